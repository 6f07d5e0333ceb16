import type { Database, SqlExecutor } from '../db/client.js';
import type { Logger } from '../logger.js';

const DAY_MS = 86_400_000;
/** Partitions exist this many days ahead, so a day never starts without one. */
export const DAYS_AHEAD = 7;
// pg_try_advisory_lock key (any constant of our own): one replica maintains at a time.
const LOCK_KEY = 7_140_014;
const PARTITIONED = ['usage_logs', 'usage_rollups'] as const;
const PARTITION_NAME = /^(usage_logs|usage_rollups)_p(\d{4})(\d{2})(\d{2})$/;

export interface MaintenanceOptions {
  /** Raw logs and per-minute rollups: whole days kept. */
  retentionDays: number;
  /** Hourly and daily rollups. */
  rollupRetentionDays: number;
  clock?: () => number;
}

export interface MaintenanceResult {
  /** False when another replica held the lock: nothing was done. */
  ran: boolean;
  created: string[];
  dropped: string[];
  /** Hourly, daily and dimensional rollup rows deleted past ROLLUP_RETENTION_DAYS. */
  rollupRowsDeleted: number;
  /** Rows in the DEFAULT partitions: days that had no partition (clock skew, a long outage). */
  strayRows: number;
  /** Where the per-minute tier now begins. */
  minuteFrom: Date;
  /** usage_rollups_summary holds every hour before this (see summarize()). */
  summaryTo: Date;
  /** Hours (re)computed into usage_rollups_summary this round, stale days included. */
  summarizedHours: number;
}

const utcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Keeps usage storage bounded: creates the daily partitions of usage_logs and usage_rollups for
 * yesterday to DAYS_AHEAD days ahead, drops those older than `retentionDays` (whole days: instant, no
 * vacuum), moves the per-minute tier's start (older queries read the hourly tier), and deletes hourly,
 * daily and dimensional rollups past `rollupRetentionDays`. Idempotent, and run by one replica at a time (a
 * session advisory lock; the others skip this round).
 */
export async function maintainUsageStorage(db: Database, options: MaintenanceOptions): Promise<MaintenanceResult> {
  const now = (options.clock ?? Date.now)();
  return db.withConnection(async (conn) => {
    const { rows } = await conn.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCK_KEY]);
    const empty = {
      created: [],
      dropped: [],
      rollupRowsDeleted: 0,
      strayRows: 0,
      minuteFrom: new Date(0),
      summaryTo: new Date(0),
      summarizedHours: 0,
    };
    if (!rows[0]?.locked) return { ran: false, ...empty };
    try {
      return { ran: true, ...(await maintain(conn, now, options)) };
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  });
}

async function maintain(conn: SqlExecutor, now: number, options: MaintenanceOptions) {
  const today = utcDay(now);
  const created: string[] = [];
  for (const parent of PARTITIONED) {
    for (let day = today - DAY_MS; day <= today + DAYS_AHEAD * DAY_MS; day += DAY_MS) {
      const { rows } = await conn.query<{ made: boolean }>('SELECT usage_ensure_partition($1, $2::date) AS made', [
        parent,
        isoDay(day),
      ]);
      if (rows[0]?.made) created.push(`${parent}_p${isoDay(day).replaceAll('-', '')}`);
    }
  }

  // Days before `keepFrom` go: with 30 days' retention, today and the 29 days before it stay.
  const keepFrom = today - (options.retentionDays - 1) * DAY_MS;
  const { rows: partitions } = await conn.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = ANY($1)`,
    [[...PARTITIONED]],
  );
  const dropped: string[] = [];
  for (const { name } of partitions.sort((a, b) => a.name.localeCompare(b.name))) {
    const match = PARTITION_NAME.exec(name);
    if (!match) continue;
    const day = Date.UTC(Number(match[2]), Number(match[3]) - 1, Number(match[4]));
    if (day >= keepFrom) continue;
    // Through a SECURITY DEFINER function of the schema's owner (migration 20261129150500): a runtime
    // role without DDL rights may drop exactly this and nothing else.
    const { rows: gone } = await conn.query<{ dropped: boolean }>('SELECT usage_drop_partition($1) AS dropped', [name]);
    if (gone[0]?.dropped) dropped.push(name);
  }
  const minuteFrom = new Date(keepFrom);
  // Stray rows older than the retention in the DEFAULT partitions go too; the tier start moves on.
  await conn.query('DELETE FROM usage_logs_default WHERE "timestamp" < $1', [minuteFrom]);
  await conn.query('DELETE FROM usage_rollups_default WHERE minute < $1', [minuteFrom]);
  await conn.query('UPDATE usage_tiers SET minute_from = $1, maintained_at = $2 WHERE id = 1', [
    minuteFrom,
    new Date(now),
  ]);

  const rollupCutoff = new Date(today - options.rollupRetentionDays * DAY_MS);
  const hourly = await conn.query<{ n: string }>(
    'WITH d AS (DELETE FROM usage_rollups_hourly WHERE "hour" < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [rollupCutoff],
  );
  const daily = await conn.query<{ n: string }>(
    'WITH d AS (DELETE FROM usage_rollups_daily WHERE "day" < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [rollupCutoff],
  );
  // The dimensional rollup (grouped analytics) lives as long as the hourly tier.
  const dims = await conn.query<{ n: string }>(
    'WITH d AS (DELETE FROM usage_rollups_dims WHERE "hour" < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [rollupCutoff],
  );
  const summaryDeleted = await conn.query<{ n: string }>(
    'WITH d AS (DELETE FROM usage_rollups_summary WHERE t < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [rollupCutoff],
  );
  const { summaryTo, summarizedHours } = await summarize(conn, now, rollupCutoff.getTime());
  const stray = await conn.query<{ n: string }>('SELECT count(*) AS n FROM usage_logs_default');
  return {
    summaryTo,
    summarizedHours,
    created,
    dropped,
    rollupRowsDeleted:
      Number(hourly.rows[0]?.n ?? 0) +
      Number(daily.rows[0]?.n ?? 0) +
      Number(dims.rows[0]?.n ?? 0) +
      Number(summaryDeleted.rows[0]?.n ?? 0),
    strayRows: Number(stray.rows[0]?.n ?? 0),
    minuteFrom,
  };
}

const HOUR_MS = 3_600_000;

/**
 * Brings usage_rollups_summary up to the last completed hour (`usage_summary_fill`, one UTC day per
 * statement, moving usage_tiers.summary_to with it), after recomputing any day it already holds
 * whose request count no longer matches the trigger-kept tiers (usage_rollups_daily/_hourly): rows
 * that arrived late for an old hour (the recorder's buffer after a PostgreSQL outage) or a deleted
 * key. Until then queries read the summary as it was: for at most one maintenance interval.
 */
async function summarize(conn: SqlExecutor, now: number, cutoff: number) {
  const target = Math.floor(now / HOUR_MS) * HOUR_MS;
  const { rows } = await conn.query<{ summary_to: Date | null; first: Date | null }>(
    `SELECT CASE WHEN isfinite(summary_to) THEN summary_to END AS summary_to,
            (SELECT min("hour") FROM usage_rollups_dims) AS first
       FROM usage_tiers WHERE id = 1`,
  );
  const stored = rows[0]?.summary_to?.getTime() ?? Number.NEGATIVE_INFINITY;
  let hours = 0;
  const fill = async (from: number, to: number, moveTo: number | null) => {
    // One statement (the summary and its mark move together), also on PGlite's shared session.
    await conn.query('SELECT usage_summary_fill($1, $2, $3)', [
      new Date(from),
      new Date(to),
      moveTo === null ? null : new Date(moveTo),
    ]);
    hours += (to - from) / HOUR_MS;
  };
  let from = stored;
  if (Number.isFinite(stored)) {
    // Days already summarised whose request counts changed since (every key's, against grain 0).
    const { rows: stale } = await conn.query<{ day: Date }>(
      `SELECT day FROM (
         SELECT d."day" AS day, d.requests::bigint AS n FROM usage_rollups_daily d
          WHERE d."day" >= $1 AND d."day" < date_trunc('day', $2::timestamptz, 'UTC')
         UNION ALL
         SELECT date_trunc('day', h."hour", 'UTC'), h.requests::bigint FROM usage_rollups_hourly h
          WHERE h."hour" >= greatest($1, date_trunc('day', $2::timestamptz, 'UTC')) AND h."hour" < $2
         UNION ALL
         SELECT date_trunc('day', s.t, 'UTC'), -s.requests FROM usage_rollups_summary s
          WHERE s.grain = 0 AND s.t >= $1 AND s.t < $2
            AND s.daily = (s.t < date_trunc('day', $2::timestamptz, 'UTC'))) AS c
        GROUP BY day HAVING sum(n) <> 0`,
      [new Date(cutoff), new Date(stored)],
    );
    for (const { day } of stale.sort((a, b) => a.day.getTime() - b.day.getTime())) {
      await fill(day.getTime(), Math.min(day.getTime() + DAY_MS, stored), null);
    }
  } else {
    const first = rows[0]?.first?.getTime();
    from = first === undefined ? target : Math.max(utcDay(first), utcDay(cutoff));
  }
  while (from < target) {
    const to = Math.min(utcDay(from) + DAY_MS, target);
    await fill(from, to, to);
    from = to;
  }
  return { summaryTo: new Date(Math.max(from, stored)), summarizedHours: hours };
}

/** Runs maintenance at start and then every `intervalMs`, logging what it did. */
export function scheduleUsageMaintenance(
  db: Database,
  logger: Logger,
  options: MaintenanceOptions & { intervalMs: number },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = maintainUsageStorage(db, options).then(
      (result) => {
        if (!result.ran) return;
        const changed =
          result.created.length + result.dropped.length + result.rollupRowsDeleted + result.summarizedHours > 0;
        const log = result.strayRows > 0 ? logger.warn.bind(logger) : changed ? logger.info.bind(logger) : null;
        log?.(
          {
            created: result.created,
            dropped: result.dropped,
            rollupRowsDeleted: result.rollupRowsDeleted,
            summarizedHours: result.summarizedHours,
            strayRows: result.strayRows,
          },
          result.strayRows > 0
            ? 'usage maintenance: some usage rows fell outside the daily partitions (clock skew?)'
            : 'usage maintenance',
        );
      },
      (err: Error) => logger.warn({ err: err.message }, 'usage maintenance failed; retrying at the next interval'),
    );
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
