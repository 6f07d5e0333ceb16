import type { CreatePlanRequest, Plan, UpdatePlanRequest } from '@gateway/shared';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { fields, must, print, table } from '../output.js';
import { parseJsonObject, parseWindow } from './parse.js';

const windowText = (w: Plan['windows'][number]) =>
  `${w.limit}/${w.unit}${w.scope === 'owner' ? ' (owner)' : ''}${w.shadow ? ' (shadow)' : ''}`;

const planDetails = (p: Plan) =>
  fields([
    ['ID', p.id],
    ['Name', p.name],
    ['Description', p.description],
    ['Time zone', p.timeZone],
    ['Windows', p.windows.map(windowText).join(', ')],
    ['Keys', p.keyCount],
    ['Managed by file', p.managedByFile],
    ['Updated', p.updatedAt],
  ]);

interface PlanOptions {
  name?: string;
  description?: string;
  timeZone?: string;
  window?: unknown[];
  data?: Record<string, unknown>;
}

function planBody(options: PlanOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...options.data };
  if (options.name !== undefined) body.name = options.name;
  if (options.description !== undefined) body.description = options.description === '' ? null : options.description;
  if (options.timeZone !== undefined) body.timeZone = options.timeZone;
  if (options.window !== undefined) body.windows = options.window;
  return body;
}

function withPlanFields(command: Command): Command {
  return command
    .option('--name <name>', 'the plan name')
    .option('--description <text>', 'what the plan is for ("" clears it)')
    .option('--time-zone <zone>', 'IANA time zone of its day and month windows (default UTC)')
    .option(
      '--window <unit:limit[:key|owner][:shadow]>',
      'a window, e.g. minute:100 (repeat; replaces all)',
      parseWindow,
    )
    .option('--data <json>', 'more request fields as a JSON object', parseJsonObject);
}

export function plansCommand(program: Command): void {
  const plans = program.command('plans').description('rate-limit plans (admins)');

  plans
    .command('list')
    .description('every plan, by name')
    .action(async (_options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.plans.list()), ({ data }) =>
        data.length === 0
          ? 'No plans.'
          : table(
              ['ID', 'NAME', 'WINDOWS', 'KEYS', 'FILE'],
              data.map((p) => [p.id, p.name, p.windows.map(windowText).join(', '), p.keyCount, p.managedByFile]),
            ),
      );
    });

  plans
    .command('get')
    .argument('<planId>')
    .description('one plan')
    .action(async (planId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.plans.get(planId)), planDetails);
    });

  withPlanFields(plans.command('create').description('create a plan')).action(
    async (options: PlanOptions, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.plans.create(planBody(options) as CreatePlanRequest)), planDetails);
    },
  );

  withPlanFields(
    plans.command('update').argument('<planId>').description('change a plan; its keys follow at once'),
  ).action(async (planId: string, options: PlanOptions, command: Command) => {
    const { output, client } = await contextOf(command);
    const plan = must(output, await client.plans.update(planId, planBody(options) as UpdatePlanRequest));
    print(output, plan, planDetails);
  });

  plans
    .command('delete')
    .argument('<planId>')
    .description('delete a plan no key uses')
    .action(async (planId: string, _options, command: Command) => {
      const { output, client } = await contextOf(command);
      must(output, await client.plans.delete(planId));
      print(output, { deleted: planId }, () => `Deleted plan ${planId}.`);
    });
}
