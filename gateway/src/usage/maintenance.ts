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
    const empty = { created: [], dropped: [], rollupRowsDeleted: 0, strayRows: 0, minuteFrom: new Date(0) };
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
  const stray = await conn.query<{ n: string }>('SELECT count(*) AS n FROM usage_logs_default');
  return {
    created,
    dropped,
    rollupRowsDeleted: Number(hourly.rows[0]?.n ?? 0) + Number(daily.rows[0]?.n ?? 0) + Number(dims.rows[0]?.n ?? 0),
    strayRows: Number(stray.rows[0]?.n ?? 0),
    minuteFrom,
  };
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
        const changed = result.created.length + result.dropped.length + result.rollupRowsDeleted > 0;
        const log = result.strayRows > 0 ? logger.warn.bind(logger) : changed ? logger.info.bind(logger) : null;
        log?.(
          {
            created: result.created,
            dropped: result.dropped,
            rollupRowsDeleted: result.rollupRowsDeleted,
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
