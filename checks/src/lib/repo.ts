import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (checks/ sits directly below it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

export function existsInRepo(relative: string): boolean {
  return existsSync(repoPath(relative));
}

export function isDirectoryInRepo(relative: string): boolean {
  return existsInRepo(relative) && statSync(repoPath(relative)).isDirectory();
}

/** Files git tracks (committed or staged), relative to the root; the secret scan's input. */
export function gitTrackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\0').filter(Boolean);
}

/** Whether git would ignore the path (used to check that local env files stay out of the repository). */
export function isGitIgnored(relative: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', relative], { cwd: REPO_ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The root package.json's scripts. */
export function rootScripts(): Record<string, string> {
  return (JSON.parse(readRepoFile('package.json')) as { scripts?: Record<string, string> }).scripts ?? {};
}

/**
 * The environment variables the gateway reads: the keys of its zod ConfigSchema in
 * gateway/src/config.ts (read as text, so the checks do not compile the gateway).
 */
export function gatewayConfigKeys(): Set<string> {
  const source = readRepoFile('gateway/src/config.ts');
  const start = source.indexOf('ConfigSchema = z');
  if (start < 0) throw new Error('gateway/src/config.ts: ConfigSchema not found');
  const body = source.slice(
    start,
    source.indexOf('.superRefine', start) > 0 ? source.indexOf('.superRefine', start) : undefined,
  );
  const keys = new Set([...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string));
  if (keys.size < 5) throw new Error('gateway/src/config.ts: could not read the ConfigSchema keys');
  return keys;
}

/** Tracked files plus new ones git does not ignore: what the next commit can contain. */
export function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.split('\0').filter(Boolean))].filter((f) => existsInRepo(f));
}

/** The default of a numeric gateway setting, read from its ConfigSchema (e.g. SHUTDOWN_TIMEOUT_MS). */
export function gatewayConfigDefault(key: string): number {
  const m = readRepoFile('gateway/src/config.ts').match(new RegExp(`\\b${key}:[^\\n]*\\.default\\(([\\d_]+)\\)`));
  if (!m) throw new Error(`gateway/src/config.ts: no numeric default for ${key}`);
  return Number((m[1] as string).replaceAll('_', ''));
}
