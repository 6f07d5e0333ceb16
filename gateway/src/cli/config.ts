// `npm run config -w gateway -- apply [--dry-run] <file>`: sends the declarative configuration file
// to a running gateway's management API (POST /config/apply), the way decK does for Kong, and prints
// the changes. GATEWAY_MANAGEMENT_URL (default http://localhost:3002) says where; GATEWAY_TOKEN (or
// ADMIN_API_TOKEN) is a bootstrap or `write` management token. Exit codes: 0 applied (or nothing to
// do), 2 dry run with changes pending, 1 invalid file or refused change, 64 usage error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ApplyConfigResponse } from '@gateway/shared';

const USAGE = 'usage: npm run config -w gateway -- apply [--dry-run] <file.yaml>';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: { 'dry-run': { type: 'boolean' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  const [command, file] = parsed.positionals;
  if (command !== 'apply' || !file || parsed.positionals.length !== 2) {
    console.error(USAGE);
    return 64;
  }
  const token = process.env.GATEWAY_TOKEN ?? process.env.ADMIN_API_TOKEN;
  if (!token) {
    console.error('Set GATEWAY_TOKEN to a management token (the bootstrap ADMIN_API_TOKEN or a "write" API token).');
    return 64;
  }
  const base = (process.env.GATEWAY_MANAGEMENT_URL ?? 'http://localhost:3002').replace(/\/+$/, '');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    console.error(`${file}: ${(error as Error).message}`);
    return 1;
  }
  const dryRun = parsed.values['dry-run'] === true;
  let res: Response;
  try {
    res = await fetch(`${base}/config/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file: text, dryRun }),
    });
  } catch (error) {
    console.error(`Cannot reach the gateway at ${base} (${(error as Error).message}); set GATEWAY_MANAGEMENT_URL.`);
    return 1;
  }
  const body = (await res.json().catch(() => null)) as
    | (ApplyConfigResponse & { detail?: string; errors?: { path: string; message: string }[] })
    | null;
  if (!res.ok || !body) {
    if (body?.errors && res.status === 400) {
      // "gateway.yaml: line 4, column 13: must start with / (routes[0].prefix)"
      for (const error of body.errors) {
        const field = error.path === 'file' ? '' : ` (${error.path.replace(/^file\./, '')})`;
        console.error(`${file}: ${error.message}${field}`);
      }
    } else {
      console.error(`The gateway refused the file (${res.status}): ${body?.detail ?? res.statusText}`);
    }
    return 1;
  }
  console.log(body.summary);
  if (dryRun) {
    if (body.changes.length > 0) console.log('(dry run: nothing was changed; run without --dry-run to apply)');
    return body.changes.length > 0 ? 2 : 0;
  }
  return 0;
}

process.exitCode = await main();
