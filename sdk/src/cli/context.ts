import { type Command, InvalidArgumentError } from 'commander';
import { createGatewayClient, type GatewayClient } from '../client.js';
import { configPath, readLogin } from './config-store.js';
import { CliExit, EXIT } from './exit-codes.js';
import { type Output, processOutput } from './output.js';

/** Options every command accepts (before or after its name). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  timeout?: number;
}

export interface Context {
  output: Output;
  client: GatewayClient;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Normalises a gateway URL; refuses anything but http(s). */
export function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://localhost:3002');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return url.toString().replace(/\/+$/, '');
}

export function parseWhole(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/**
 * Where and as whom: `--url`/`--token`, else `GATEWAY_URL`/`GATEWAY_TOKEN`, else the saved login. A saved
 * token is only sent to the URL it was saved for: `--url` elsewhere must bring its own token.
 */
export async function connectionOf(
  options: GlobalOptions,
  output: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; token: string }> {
  const envUrl = env.GATEWAY_URL ? parseEnvUrl(env.GATEWAY_URL) : undefined;
  const { login, warning } = await readLogin(configPath(env));
  if (warning) output.err(`warning: ${warning}`);
  const url = options.url ?? envUrl ?? login?.url;
  const savedToken = login && login.url === url ? login.token : undefined;
  const token = options.token ?? (env.GATEWAY_TOKEN || undefined) ?? savedToken;
  if (!url || !token) {
    output.err(
      `error: no gateway ${url ? 'token' : 'URL'} given: run "gateway login --url <url> --token <token>", ` +
        'or set GATEWAY_URL and GATEWAY_TOKEN, or pass --url and --token',
    );
    throw new CliExit(EXIT.USAGE);
  }
  return { url, token };
}

/** `GATEWAY_URL`, checked like `--url`; a bad one is a usage error. */
export function parseEnvUrl(value: string): string {
  try {
    return parseUrl(value);
  } catch (error) {
    process.stderr.write(`error: GATEWAY_URL ${(error as Error).message}\n`);
    throw new CliExit(EXIT.USAGE);
  }
}

/** The output of a command, from its `--json` (or its parents'). */
export function outputOf(command: Command): Output {
  return processOutput(command.optsWithGlobals<GlobalOptions>().json === true);
}

/** The output and the client of a command, from its options and its parents'. */
export async function contextOf(command: Command): Promise<Context> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const output = processOutput(options.json === true);
  const { url, token } = await connectionOf(options, output);
  return { output, client: clientFor(url, token, options.timeout) };
}

export function clientFor(url: string, token: string, timeoutMs = DEFAULT_TIMEOUT_MS): GatewayClient {
  return createGatewayClient({ baseUrl: url, token, timeoutMs, headers: { 'user-agent': 'gateway-cli' } });
}
