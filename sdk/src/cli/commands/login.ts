import type { SessionResponse } from '@gateway/shared';
import type { Command } from 'commander';
import { configPath, removeLogin, writeLogin } from '../config-store.js';
import { clientFor, contextOf, type GlobalOptions, outputOf, parseEnvUrl } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { fields, must, print } from '../output.js';

const who = (s: SessionResponse) =>
  fields([
    ['User', s.user?.email ?? (s.credential === 'bootstrap' ? 'bootstrap admin token' : 'API token')],
    ['Role', s.role],
    ['Credential', s.credential],
    ['Scope', s.scope],
    ['Expires', s.expiresAt],
  ]);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export function loginCommands(program: Command): void {
  program
    .command('login')
    .description(`check a management token and save it with the URL (in ${configPath()}, mode 0600)`)
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const output = outputOf(command);
      const url = options.url ?? (process.env.GATEWAY_URL ? parseEnvUrl(process.env.GATEWAY_URL) : undefined);
      let token = options.token ?? process.env.GATEWAY_TOKEN;
      // `--token -` reads it from stdin, so it appears in neither the shell history nor `ps`.
      if (token === '-') token = await readStdin();
      if (!url || !token) {
        throw new CliExit(
          EXIT.USAGE,
          'error: login needs --url <management URL> and --token <token> (or "--token -" to read it from stdin)',
        );
      }
      const session = must(output, await clientFor(url, token, options.timeout).auth.session());
      await writeLogin(configPath(), { url, token });
      print(output, { url, session }, () => `Signed in to ${url}; saved to ${configPath()}.\n${who(session)}`);
    });

  program
    .command('logout')
    .description('forget the saved login (the token itself stays valid: revoke it in the dashboard)')
    .action(async (_options, command: Command) => {
      const output = outputOf(command);
      const removed = await removeLogin(configPath());
      print(output, { removed }, () => (removed ? `Removed ${configPath()}.` : 'No saved login.'));
    });

  program
    .command('whoami')
    .description('who the gateway takes you for')
    .action(async (_options, command: Command) => {
      const { output, client } = await contextOf(command);
      print(output, must(output, await client.auth.session()), who);
    });
}
