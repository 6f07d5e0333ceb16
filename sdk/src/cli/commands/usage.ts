import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OverviewResponse, UsageResponse } from '@gateway/shared';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { contextOf, parseWhole } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { fields, must, print, table } from '../output.js';

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

const ms = (value: number | null) => (value === null ? null : `${Math.round(value * 10) / 10} ms`);

function summary(usage: UsageResponse | OverviewResponse): [string, string | number | null][] {
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

export function usageCommand(program: Command): void {
  const usage = program.command('usage').description('traffic of one key, of every key, or an export');

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

  windowOptions(usage.command('overview').description('traffic across every key, and the top keys (admins)')).action(
    async (options: { from?: string; to?: string }, command: Command) => {
      const { output, client } = await contextOf(command);
      const data = must(output, await client.usage.overview({ from: options.from, to: options.to }));
      print(output, data, (o) =>
        [
          fields([
            ...summary(o),
            ['Active keys', o.activeKeys],
            ['Error rate', o.errorRate === null ? null : `${(o.errorRate * 100).toFixed(2)} %`],
          ]),
          '',
          o.topKeysByRequests.length === 0
            ? 'No traffic in this window.'
            : table(
                ['KEY', 'NAME', 'OWNER', 'REQUESTS', 'ERRORS', 'LIMITED'],
                o.topKeysByRequests.map((k) => [k.keyId, k.name, k.email, k.requests, k.errors, k.rateLimited]),
              ),
        ].join('\n'),
      );
    },
  );

  windowOptions(
    usage
      .command('export')
      .description('the request log (or, with --group-by, the grouped table) as CSV or NDJSON')
      .addOption(new Option('--format <format>', 'file format').choices(['csv', 'ndjson']).default('csv'))
      .option('--group-by <field>', 'key, user, route, path, status or method')
      .option('--key <keyId>', 'only this key')
      .option('--user <userId>', "only this user's keys (admins)")
      .option('--route <name>', 'only this route')
      .option('--status <code>', 'only this status (404) or class (4xx)')
      .option('--method <method>', 'only this HTTP method')
      .option('--path-prefix <path>', 'only paths starting with this')
      .option('-o, --output <file>', 'write to this file (default: stdout)'),
  ).action(async (options, command: Command) => {
    const { output, client } = await contextOf(command);
    const response = must(
      output,
      await client.usage.export({
        format: options.format,
        from: options.from,
        to: options.to,
        groupBy: options.groupBy,
        keyId: options.key,
        userId: options.user,
        route: options.route,
        status: options.status,
        method: options.method,
        pathPrefix: options.pathPrefix,
      }),
    );
    if (!response.body) throw new CliExit(EXIT.INVALID_RESPONSE, 'the export had no body');
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    // Usage records may hold client addresses: the file is its owner's alone, like the login.
    const target = options.output ? createWriteStream(options.output, { mode: 0o600 }) : process.stdout;
    await pipeline(body, target, { end: Boolean(options.output) });
    if (options.output && !output.json) process.stderr.write(`Wrote ${options.output}.\n`);
  });
}
