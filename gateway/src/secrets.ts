import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config, RawConfig } from './config.js';

interface StoredSecrets {
  adminApiToken: string;
  sessionSecret: string;
}

/**
 * Fills in ADMIN_API_TOKEN and SESSION_SECRET when they are not configured (development only;
 * production refuses to start without them). Generated values are kept in DATA_DIR with mode 0600
 * so that sessions and the admin token survive restarts.
 */
export async function resolveSecrets(
  raw: RawConfig,
): Promise<{ config: Config; adminToken: 'environment' | 'generated' | 'stored'; secretsFile: string }> {
  let stored: StoredSecrets | undefined;
  let generated = false;
  const file = join(raw.DATA_DIR, 'secrets.json');
  const needsStore = !raw.ADMIN_API_TOKEN || !raw.SESSION_SECRET;
  if (needsStore) {
    try {
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
    } catch {
      stored = {
        adminApiToken: `adm_${randomBytes(24).toString('base64url')}`,
        sessionSecret: randomBytes(48).toString('base64url'),
      };
      generated = true;
      // 0700 whatever the umask (it only removes bits): the secrets and the database are this user's alone.
      await mkdir(raw.DATA_DIR, { recursive: true, mode: 0o700 });
      await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
  }
  const config: Config = Object.freeze({
    ...raw,
    ADMIN_API_TOKEN: raw.ADMIN_API_TOKEN ?? stored!.adminApiToken,
    SESSION_SECRET: raw.SESSION_SECRET ?? stored!.sessionSecret,
    SECURE_COOKIES: raw.SECURE_COOKIES ?? raw.NODE_ENV === 'production',
  });
  const adminToken = raw.ADMIN_API_TOKEN ? 'environment' : generated ? 'generated' : 'stored';
  return { config, adminToken, secretsFile: file };
}
