import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `gateway login` remembers. The token is a secret: the file is the user's alone (0600). */
export interface StoredLogin {
  url: string;
  token: string;
}

/** `$XDG_CONFIG_HOME/api-gateway/config.json` (XDG Base Directory spec), `~/.config/…` when unset. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'api-gateway', 'config.json');
}

export interface ReadLogin {
  login: StoredLogin | null;
  /** Set when the file is readable by others than its owner (it holds a token). */
  warning?: string;
}

export async function readLogin(path: string): Promise<ReadLogin> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { login: null };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredLogin>;
  if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string') {
    throw new Error(`${path} is not a login saved by "gateway login"; run it again`);
  }
  const mode = (await stat(path)).mode & 0o777;
  const warning =
    (mode & 0o077) !== 0
      ? `${path} can be read by other users (mode ${mode.toString(8)}); run "chmod 600 ${path}"`
      : undefined;
  return { login: { url: parsed.url, token: parsed.token }, ...(warning ? { warning } : {}) };
}

/** Writes the login atomically, readable by its owner only (directory 0700, file 0600). */
export async function writeLogin(path: string, login: StoredLogin): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created, and the umask may narrow it but never widen it: set it.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export async function removeLogin(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
