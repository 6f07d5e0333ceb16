import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../startup-error.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandOf(pid: number): string {
  try {
    return ` (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 120)})`;
  } catch {
    return '';
  }
}

/**
 * Makes this process the only one using the embedded database in `dir`: two processes opening one
 * PGlite directory corrupt it (issue 16: a second `npm start` briefly opened the running one's).
 * An O_EXCL pid file; a file left by a process that no longer runs is taken over.
 * Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'gateway.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      const release = () => {
        process.off('exit', release);
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {}
      };
      // A crash (process.exit without close) still frees the directory.
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new StartupError(
        `The embedded database in ${dir} is in use by process ${owner}${commandOf(owner)}: stop that gateway first, or set DATA_DIR to another directory (or DATABASE_URL to use PostgreSQL).`,
      );
    }
    // Left behind by a process that is gone (killed, power loss): take it over.
    try {
      unlinkSync(file);
    } catch {}
  }
  throw new StartupError(
    `Could not lock ${file}: another process keeps creating it. Set DATA_DIR to another directory.`,
  );
}
