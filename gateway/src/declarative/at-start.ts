import { readFile } from 'node:fs/promises';
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup-error.js';
import { applyConfigFile, readConfigFile } from './apply.js';
import { formatChanges } from './diff.js';
import { describeIssue } from './file.js';

/**
 * GATEWAY_CONFIG_FILE at start: an unreadable or invalid file stops start-up with every problem on
 * its own line (file, line, column, field, what is wrong); a valid one is applied before the route
 * table loads, and what it changed is logged. Every replica may do this: applying is idempotent and
 * serialised by a transaction-level advisory lock.
 */
export async function applyConfigFileAtStart(db: Database, path: string, logger: Logger): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StartupError(`GATEWAY_CONFIG_FILE (${path}) cannot be read: ${(error as Error).message}`);
  }
  const parsed = readConfigFile(text);
  if (!parsed.ok) {
    const lines = parsed.issues.map((issue) => `  ${describeIssue(issue, path)}`);
    throw new StartupError(`GATEWAY_CONFIG_FILE is not valid:\n${lines.join('\n')}`);
  }
  const result = await applyConfigFile(db.prisma, parsed.value, { dryRun: false }).catch((error: unknown) => {
    // A change the database refuses (a plan still used by keys, a prefix another route holds): nothing
    // was applied (one transaction); say what, and stop.
    if (error instanceof ApiError)
      throw new StartupError(`GATEWAY_CONFIG_FILE (${path}) cannot be applied: ${error.message}`);
    throw error;
  });
  logger.info(
    { file: path, changes: result.changes.length },
    result.changes.length === 0
      ? 'configuration file: nothing to change'
      : `configuration file applied:\n${formatChanges(result.changes)}`,
  );
}
