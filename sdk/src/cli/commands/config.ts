import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliExit, EXIT, exitCodeOf } from '../exit-codes.js';
import { fail, print } from '../output.js';

export function configCommand(program: Command): void {
  const config = program.command('config').description('the declarative configuration file (routes and plans)');

  config
    .command('apply')
    .description('send the file to the gateway; with --dry-run only show the changes')
    .argument('<file>', 'YAML or JSON configuration file')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--exit-code', `with --dry-run: exit ${EXIT.CHANGES_PENDING} when there are changes (CI drift check)`)
    .action(async (file: string, options: { dryRun?: boolean; exitCode?: boolean }, command: Command) => {
      const { output, client } = await contextOf(command);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CliExit(EXIT.USAGE, `error: ${file}: ${(error as Error).message}`);
      }
      const dryRun = options.dryRun === true;
      const result = await client.config.apply({ file: text, dryRun });
      if (!result.ok) {
        // An invalid file: each problem on its own line, as an editor jumps to it.
        if (
          !output.json &&
          result.code === 'VALIDATION_FAILED' &&
          result.fieldErrors.some((e) => e.path.startsWith('file'))
        ) {
          for (const e of result.fieldErrors) {
            const field = e.path === 'file' ? '' : ` (${e.path.replace(/^file\./, '')})`;
            output.err(`${file}: ${e.message}${field}`);
          }
          throw new CliExit(exitCodeOf(result));
        }
        fail(output, result);
      }
      const applied = result.data;
      print(output, applied, (a) =>
        a.dryRun && a.changes.length > 0
          ? `${a.summary}\n(dry run: nothing was changed; run without --dry-run to apply)`
          : a.summary,
      );
      if (dryRun && options.exitCode && applied.changes.length > 0) throw new CliExit(EXIT.CHANGES_PENDING);
    });
}
