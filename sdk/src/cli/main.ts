#!/usr/bin/env node
// `gateway`: the command line of the gateway's management API, built on @gateway/sdk. Exit codes are
// in exit-codes.ts and the README's "CLI" section.
import { Command, CommanderError, Option } from 'commander';
import { configCommand } from './commands/config.js';
import { keysCommand } from './commands/keys.js';
import { loginCommands } from './commands/login.js';
import { plansCommand } from './commands/plans.js';
import { routesCommand } from './commands/routes.js';
import { usageCommand } from './commands/usage.js';
import { DEFAULT_TIMEOUT_MS, parseUrl, parseWhole } from './context.js';
import { CliExit, EXIT } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('gateway')
    .description("Manage the API gateway's keys, usage, routes and plans through its management API.")
    .version('0.1.0')
    .option('--url <url>', 'management API URL (env GATEWAY_URL; default: the saved login)', parseUrl)
    .addOption(new Option('--token <token>', 'management token (env GATEWAY_TOKEN; default: the saved login)'))
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--timeout <ms>', 'give up on a request after this long', parseWhole(1), DEFAULT_TIMEOUT_MS)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  loginCommands(program);
  keysCommand(program);
  usageCommand(program);
  routesCommand(program);
  plansCommand(program);
  configCommand(program);
  // Every subcommand reports a bad command line through the same override (exit 2, not commander's 1).
  const override = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // --help and --version end "with an error" in commander's terms, with exit code 0: a success here.
      // Help shown because no command was given (exit code 1 there) is a usage error.
      if (error.exitCode === 0) return EXIT.OK;
      return EXIT.USAGE;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.API_ERROR;
  }
}

process.exitCode = await run(process.argv.slice(2));
