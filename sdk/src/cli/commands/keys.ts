import type { ApiKey, CreatedApiKey, CreateKeyRequest, UpdateKeyRequest } from '@gateway/shared';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { contextOf, parseWhole } from '../context.js';
import { type Cell, fields, must, type Output, print, table } from '../output.js';
import { parseJsonObject } from './parse.js';

const KEY_HEADERS = ['ID', 'NAME', 'START', 'STATE', 'PER MIN', 'PER DAY', 'PLAN', 'LAST USED'];

function stateOf(key: ApiKey): string {
  if (!key.active) return key.disabledByAdmin ? 'disabled (admin)' : 'disabled';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

const keyRow = (key: ApiKey): Cell[] => [
  key.id,
  key.name,
  key.start,
  stateOf(key),
  key.limitPerMinute,
  key.limitPerDay,
  key.planId,
  key.lastUsedAt,
];

function keyDetails(key: ApiKey): string {
  return fields([
    ['ID', key.id],
    ['Name', key.name],
    ['Start', key.start],
    ['State', stateOf(key)],
    ['Owner', key.userId],
    ['Plan', key.planId],
    ['Per minute', key.limitPerMinute],
    ['Per day', key.limitPerDay],
    ['Expires', key.expiresAt],
    ['Scopes', key.scopes?.map((s) => (s.methods ? `${s.route} (${s.methods.join(',')})` : s.route)).join(', ')],
    ['Allowed IPs', key.allowedIps?.join(', ')],
    ['Created', key.createdAt],
    ['Last used', key.lastUsedAt],
    ...(key.previousSecret
      ? ([['Previous secret', `${key.previousSecret.start} until ${key.previousSecret.expiresAt}`]] as const)
      : []),
  ]);
}

/** The raw key, printed this once: after create and roll. */
function printCreated(output: Output, key: CreatedApiKey, verb: string): void {
  print(output, key, (k) =>
    [`${verb} key ${k.name} (${k.id}).`, '', 'Raw key, shown only now: store it in a secret manager.', k.key].join(
      '\n',
    ),
  );
}

function parseDate(value: string): string {
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new InvalidArgumentError('must be an ISO 8601 date-time such as 2027-01-31T00:00:00Z');
  }
  return value;
}

interface KeyFieldOptions {
  name?: string;
  plan?: string | false;
  perMinute?: number | 'none';
  perDay?: number | 'none';
  expires?: string | 'never';
  data?: Record<string, unknown>;
}

const limitOrNone = (max: number) => (value: string) => (value === 'none' ? 'none' : parseWhole(1, max)(value));

/** The body fields the key options set (`none`/`never`/`--no-plan` send null); `--data` fills the rest. */
function keyBody(options: KeyFieldOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...options.data };
  if (options.name !== undefined) body.name = options.name;
  if (options.plan !== undefined) body.planId = options.plan === false ? null : options.plan;
  if (options.perMinute !== undefined) body.limitPerMinute = options.perMinute === 'none' ? null : options.perMinute;
  if (options.perDay !== undefined) body.limitPerDay = options.perDay === 'none' ? null : options.perDay;
  if (options.expires !== undefined) body.expiresAt = options.expires === 'never' ? null : options.expires;
  return body;
}

function withKeyFields(command: Command): Command {
  return command
    .option('--name <name>', 'a name to recognise the key by')
    .option('--plan <planId>', 'put the key on this plan (admins)')
    .option('--per-minute <n|none>', 'requests per minute ("none": no override)', limitOrNone(1_000_000))
    .option('--per-day <n|none>', 'requests per UTC day ("none": no override)', limitOrNone(1_000_000_000))
    .option('--expires <iso|never>', 'when the key stops working', (v) => (v === 'never' ? v : parseDate(v)))
    .option('--data <json>', 'more request fields as a JSON object (scopes, allowedIps, …)', parseJsonObject);
}

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys: list, create, change, roll, delete');

  keys
    .command('list')
    .description('list keys, newest first (a user sees their own)')
    .option('--user <userId>', "only this user's keys (admins)")
    .option('--search <text>', 'name contains, or key starts with (ak_7Kq2)')
    .addOption(new Option('--state <state>', 'only keys in this state').choices(['active', 'disabled', 'expired']))
    .option('--limit <n>', 'at most this many keys', parseWhole(1, 100_000), 50)
    .action(async (options, command: Command) => {
      const { output, client } = await contextOf(command);
      const { data, truncated } = must(
        output,
        await client.keys.listAll(
          { userId: options.user, search: options.search, state: options.state },
          options.limit,
        ),
      );
      print(output, { data, truncated }, () =>
        data.length === 0
          ? 'No keys.'
          : `${table(KEY_HEADERS, data.map(keyRow))}${truncated ? `\n(first ${data.length}; --limit shows more)` : ''}`,
      );
    });

  keys
    .command('get')
    .description('one key')
    .argument('<keyId>')
    .action(async (keyId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.keys.get(keyId)), keyDetails);
    });

  withKeyFields(
    keys
      .command('create')
      .description('create a key; its raw value is printed this once')
      .option('--user <userId>', 'for this user (admins; default: yourself)'),
  ).action(async (options: KeyFieldOptions & { user?: string }, command: Command) => {
    const { output, client } = await contextOf(command);
    const body = keyBody(options) as CreateKeyRequest;
    if (options.user !== undefined) body.userId = options.user;
    printCreated(output, must(output, await client.keys.create(body)), 'Created');
  });

  withKeyFields(keys.command('update').description("change a key's name, plan, limits or expiry").argument('<keyId>'))
    .option('--no-plan', 'take the key off its plan')
    .action(async (keyId: string, options: KeyFieldOptions, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.keys.update(keyId, keyBody(options) as UpdateKeyRequest)), keyDetails);
    });

  for (const [name, description] of [
    ['enable', 'let a disabled key call again'],
    ['disable', 'stop a key at once (it can be enabled again)'],
  ] as const) {
    keys
      .command(name)
      .description(description)
      .argument('<keyId>')
      .action(async (keyId: string, _options, command: Command) => {
        const { output, client } = await contextOf(command);
        const key = must(output, await client.keys[name](keyId));
        print(output, key, (k) => `Key ${k.name} (${k.id}) is now ${stateOf(k)}.`);
      });
  }

  keys
    .command('delete')
    .description('delete a key and its usage records')
    .argument('<keyId>')
    .action(async (keyId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      must(output, await client.keys.delete(keyId));
      print(output, { deleted: keyId }, () => `Deleted key ${keyId}.`);
    });

  keys
    .command('roll')
    .description('a new secret for the key, printed this once; the old one works for --grace seconds')
    .argument('<keyId>')
    .option('--grace <seconds>', 'how long the old secret keeps working (0: stops now)', parseWhole(0, 30 * 86_400), 0)
    .action(async (keyId: string, options: { grace: number }, command: Command) => {
      const { output, client } = await contextOf(command);
      const key = must(output, await client.keys.roll(keyId, { graceSeconds: options.grace }));
      printCreated(output, key, 'Rolled');
      if (!output.json && key.previousSecret) {
        output.out(`The previous secret (${key.previousSecret.start}…) works until ${key.previousSecret.expiresAt}.`);
      }
    });
}
