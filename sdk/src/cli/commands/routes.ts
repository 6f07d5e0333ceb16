import type { CreateRouteRequest, Route, UpdateRouteRequest } from '@gateway/shared';
import type { Command } from 'commander';
import { contextOf, parseWhole } from '../context.js';
import { fields, must, print, table } from '../output.js';
import { parseJsonObject } from './parse.js';

const routeDetails = (r: Route) =>
  fields([
    ['ID', r.id],
    ['Name', r.name],
    ['Prefix', `/proxy${r.prefix === '/' ? '' : r.prefix}/*`],
    ['Targets', r.targets.join(', ')],
    ['Enabled', r.enabled],
    ['Strip prefix', r.stripPrefix],
    ['Timeout', r.timeoutMs === null ? 'gateway default' : `${r.timeoutMs} ms`],
    ['Retries', r.retries],
    ['Cost', r.cost],
    ['Managed by file', r.managedByFile],
    ['Updated', r.updatedAt],
  ]);

interface RouteOptions {
  name?: string;
  prefix?: string;
  target?: string[];
  timeoutMs?: number;
  retries?: number;
  stripPrefix?: boolean;
  enabled?: boolean;
  cost?: number;
  data?: Record<string, unknown>;
}

function routeBody(options: RouteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...options.data };
  const set = (field: string, value: unknown) => {
    if (value !== undefined) body[field] = value;
  };
  set('name', options.name);
  set('prefix', options.prefix);
  set('targets', options.target);
  set('timeoutMs', options.timeoutMs);
  set('retries', options.retries);
  set('stripPrefix', options.stripPrefix);
  set('enabled', options.enabled);
  set('cost', options.cost);
  return body;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function withRouteFields(command: Command): Command {
  return command
    .option('--name <name>', 'lowercase letters, digits and "-"')
    .option('--prefix <path>', 'path under /proxy, e.g. /orders')
    .option('--target <url>', 'upstream base URL (repeat for round-robin)', collect)
    .option('--timeout-ms <ms>', 'upstream timeout', parseWhole(1, 600_000))
    .option('--retries <n>', 'retries of idempotent requests', parseWhole(0, 3))
    .option('--strip-prefix', 'drop the prefix before forwarding')
    .option('--no-strip-prefix', 'forward the path with its prefix')
    .option('--enabled', 'serve traffic')
    .option('--no-enabled', 'answer 404 instead of forwarding')
    .option('--cost <n>', 'rate-limit units one request counts', parseWhole(1, 1_000_000))
    .option('--data <json>', 'more request fields as a JSON object', parseJsonObject);
}

export function routesCommand(program: Command): void {
  const routes = program.command('routes').description('upstream routes (admins)');

  routes
    .command('list')
    .description('every route, longest prefix first')
    .action(async (_options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.routes.list()), ({ data }) =>
        data.length === 0
          ? 'No routes: every request goes to the default upstream (INTERNAL_API_BASE_URL).'
          : table(
              ['ID', 'NAME', 'PREFIX', 'TARGETS', 'ENABLED', 'FILE'],
              data.map((r) => [r.id, r.name, r.prefix, r.targets.join(' '), r.enabled, r.managedByFile]),
            ),
      );
    });

  routes
    .command('get')
    .argument('<routeId>')
    .description('one route')
    .action(async (routeId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.routes.get(routeId)), routeDetails);
    });

  withRouteFields(routes.command('create').description('create a route')).action(
    async (options: RouteOptions, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.routes.create(routeBody(options) as CreateRouteRequest)), routeDetails);
    },
  );

  withRouteFields(routes.command('update').argument('<routeId>').description("change any of a route's fields")).action(
    async (routeId: string, options: RouteOptions, command: Command) => {
      const { output, client } = await contextOf(command);
      const route = must(output, await client.routes.update(routeId, routeBody(options) as UpdateRouteRequest));
      print(output, route, routeDetails);
    },
  );

  routes
    .command('delete')
    .argument('<routeId>')
    .description('delete a route; its prefix falls to the next shorter one')
    .action(async (routeId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      must(output, await client.routes.delete(routeId));
      print(output, { deleted: routeId }, () => `Deleted route ${routeId}.`);
    });
}
