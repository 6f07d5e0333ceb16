import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  MAX_USAGE_PAGE,
  USAGE_GROUP_BY,
  type UsageAnalyticsResponse,
  type UsageGroupBy,
  type UsageLogRecord,
  type UsageResponse,
} from '@gateway/shared';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { contextOf, parseWhole } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { type Cell, fields, must, print, table } from '../output.js';

/** `--from 2026-11-01T00:00:00Z`, or relative to now: `--from 7d` (also `h`, `m`). */
export function parseWhen(value: string, now = Date.now()): string {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) {
    const seconds = { m: 60, h: 3_600, d: 86_400 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * seconds * 1000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new InvalidArgumentError('must be an ISO 8601 date-time (2026-11-01T00:00:00Z) or an age such as 30m, 24h, 7d');
}

function windowOptions(command: Command): Command {
  return command
    .option('--from <when>', 'start of the window: ISO date-time or an age (7d, 24h, 30m)', (v) => parseWhen(v))
    .option('--to <when>', 'end of the window (default: now)', (v) => parseWhen(v));
}

/** The filters of `GET /usage`, `/usage/logs` and `/usage/export`: each narrows what the token sees. */
function filterOptions(command: Command): Command {
  return windowOptions(command)
    .option('--key <keyId>', 'only this key')
    .option('--user <userId>', "only this user's keys (admins)")
    .option('--route <name>', 'only this route (default: the implicit route)')
    .option('--status <code>', 'only this status (404) or class (4xx)')
    .option('--method <method>', 'only this HTTP method')
    .option('--path-prefix <path>', 'only paths starting with this');
}

interface FilterOptions {
  from?: string;
  to?: string;
  key?: string;
  user?: string;
  route?: string;
  status?: string;
  method?: string;
  pathPrefix?: string;
}

const filtersOf = (o: FilterOptions) => ({
  from: o.from,
  to: o.to,
  keyId: o.key,
  userId: o.user,
  route: o.route,
  status: o.status,
  method: o.method,
  pathPrefix: o.pathPrefix,
});

const groupByOption = (description: string) =>
  new Option('--group-by <field>', description).choices(USAGE_GROUP_BY as unknown as string[]);

const ms = (value: number | null) => (value === null ? null : `${Math.round(value * 10) / 10} ms`);
const percent = (rate: number | null) => (rate === null ? null : `${(rate * 100).toFixed(2)} %`);

function summary(usage: UsageResponse | UsageAnalyticsResponse): [string, string | number | null][] {
  const t = usage.totals;
  return [
    ['Window', `${usage.from} – ${usage.to}`],
    ['Requests', t.requests],
    [
      '2xx / 3xx / 4xx / 5xx',
      `${t.byStatusClass['2xx']} / ${t.byStatusClass['3xx']} / ${t.byStatusClass['4xx']} / ${t.byStatusClass['5xx']}`,
    ],
    ['Rate limited', t.rateLimited],
    [
      'Latency p50 / p95 / p99',
      `${ms(usage.latencyMs.p50) ?? '-'} / ${ms(usage.latencyMs.p95) ?? '-'} / ${ms(usage.latencyMs.p99) ?? '-'}`,
    ],
  ];
}

/** `gateway usage overview`: the totals, then the groups (with `--group-by`) or the busiest keys. */
function analyticsText(a: UsageAnalyticsResponse): string {
  const head = fields([
    ...summary(a),
    ['Error rate', percent(a.errorRate)],
    ['Rate-limited rate', percent(a.rateLimitedRate)],
    ['Bytes in / out', `${a.totals.requestBytes} / ${a.totals.responseBytes}`],
    ['Active keys', a.activeKeys],
  ]);
  if (a.totals.requests === 0) return `${head}\n\nNo traffic in this window.`;
  if (a.groupBy === null) {
    const keys = a.topKeysByRequests.map((k) => [k.keyId, k.name, k.email, k.requests, k.errors, k.rateLimited]);
    return `${head}\n\n${table(['KEY', 'NAME', 'OWNER', 'REQUESTS', 'ERRORS', 'LIMITED'], keys)}`;
  }
  const rows: Cell[][] = a.groups.map((g) => [
    g.value,
    g.label,
    g.requests,
    g.errors,
    g.rateLimited,
    ms(g.latencyMs.p95),
    g.requestBytes,
    g.responseBytes,
  ]);
  if (a.other) {
    const o = a.other;
    rows.push([`(${o.groups} more)`, null, o.requests, o.errors, o.rateLimited, null, o.requestBytes, o.responseBytes]);
  }
  const headers = [a.groupBy.toUpperCase(), 'LABEL', 'REQUESTS', 'ERRORS', 'LIMITED', 'P95', 'BYTES IN', 'BYTES OUT'];
  return `${head}\n\n${table(headers, rows)}`;
}

/** Most records `gateway usage logs` reads in one run (pages of at most MAX_USAGE_PAGE). */
const MAX_LOG_RECORDS = 10_000;

export function usageCommand(program: Command): void {
  const usage = program.command('usage').description('traffic of one key or of many, the request log, or an export');

  windowOptions(
    usage
      .command('key')
      .description("one key's totals, latency and recent requests (default: the last 24 h)")
      .argument('<keyId>')
      .option('--recent <n>', 'recent requests to show', parseWhole(1, 100), 20),
  ).action(async (keyId: string, options: { from?: string; to?: string; recent: number }, command: Command) => {
    const { output, client } = await contextOf(command);
    const data = must(
      output,
      await client.usage.key(keyId, { from: options.from, to: options.to, limit: options.recent }),
    );
    print(output, data, (u) => {
      const recent = u.recent.map((r) => [r.timestamp, r.method, r.statusCode, ms(r.latencyMs), r.path]);
      return [
        fields([['Key', u.keyId], ...summary(u)]),
        '',
        recent.length === 0
          ? 'No requests in this window.'
          : table(['TIME', 'METHOD', 'STATUS', 'LATENCY', 'PATH'], recent),
      ].join('\n');
    });
  });

  filterOptions(
    usage
      .command('overview')
      .description('totals, latency and rates of every key you may see (admins: all), grouped with --group-by')
      .addOption(groupByOption('a table of the top groups: key, user, route, path, status or method'))
      .option('--top <n>', 'groups to show with --group-by (the rest are one "more" row)', parseWhole(1, 100), 10)
      .option('--bucket <seconds>', "the series' bucket (60, 300, 900, 3600, 21600, 86400, 604800)", parseWhole(60)),
  ).action(async (options: FilterOptions & { groupBy?: UsageGroupBy; top: number; bucket?: number }, command) => {
    const { output, client } = await contextOf(command);
    const data = must(
      output,
      await client.usage.analytics({
        ...filtersOf(options),
        groupBy: options.groupBy,
        top: options.top,
        bucketSeconds: options.bucket,
      }),
    );
    print(output, data, analyticsText);
  });

  filterOptions(
    usage
      .command('logs')
      .description('the request log, newest first (the last 24 h unless --from/--to)')
      .option(
        '--limit <n>',
        `records to show (more than ${MAX_USAGE_PAGE} follows the pages)`,
        parseWhole(1, MAX_LOG_RECORDS),
        50,
      )
      .option('--cursor <cursor>', 'continue where a previous run stopped (its "next page" cursor)'),
  ).action(async (options: FilterOptions & { limit: number; cursor?: string }, command: Command) => {
    const { output, client } = await contextOf(command);
    // The window is pinned once, so every page reads the same one.
    const filters = { ...filtersOf(options), to: options.to ?? new Date().toISOString() };
    const data: UsageLogRecord[] = [];
    let cursor = options.cursor;
    let nextCursor: string | null = null;
    // Pages sized to what is still wanted: the run stops at a page boundary, so `nextCursor` skips nothing.
    do {
      const limit = Math.min(MAX_USAGE_PAGE, options.limit - data.length);
      const page = must(output, await client.usage.logs({ ...filters, limit, cursor }));
      data.push(...page.data);
      nextCursor = page.nextCursor;
      cursor = nextCursor ?? undefined;
    } while (nextCursor !== null && data.length < options.limit);
    print(output, { data, nextCursor }, (p) => {
      if (p.data.length === 0) return 'No requests in this window.';
      const rows = p.data.map((r) => [
        r.timestamp,
        r.method,
        r.statusCode,
        ms(r.latencyMs),
        r.keyName ?? r.keyId,
        r.route,
        r.path,
      ]);
      const more = p.nextCursor === null ? [] : ['', `Next page: --cursor ${p.nextCursor}`];
      return [table(['TIME', 'METHOD', 'STATUS', 'LATENCY', 'KEY', 'ROUTE', 'PATH'], rows), ...more].join('\n');
    });
  });

  filterOptions(
    usage
      .command('export')
      .description('the request log (or, with --group-by, the grouped table) as CSV or NDJSON')
      .addOption(new Option('--format <format>', 'file format').choices(['csv', 'ndjson']).default('csv'))
      .addOption(
        groupByOption('the whole table of groups instead of the log: key, user, route, path, status or method'),
      )
      .option('-o, --output <file>', 'write to this file (default: stdout)'),
  ).action(async (options, command: Command) => {
    const { output, client } = await contextOf(command);
    const response = must(
      output,
      await client.usage.export({ ...filtersOf(options), format: options.format, groupBy: options.groupBy }),
    );
    if (!response.body) throw new CliExit(EXIT.INVALID_RESPONSE, 'the export had no body');
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    // Usage records may hold client addresses: the file is its owner's alone, like the login.
    const target = options.output ? createWriteStream(options.output, { mode: 0o600 }) : process.stdout;
    await pipeline(body, target, { end: Boolean(options.output) });
    if (options.output && !output.json) process.stderr.write(`Wrote ${options.output}.\n`);
  });
}
