import type { Settings } from '@gateway/shared';
import type { Config } from '../config.js';
import type { PrismaTx } from '../db/client.js';

/** The consumer caps in force: what admins set, else the USER_MAX_* defaults of the configuration. */
export async function getSettings(tx: PrismaTx, config: Config): Promise<Settings> {
  const row = await tx.settings.findUnique({ where: { id: 1 } });
  return {
    maxKeysPerUser: row?.maxKeysPerUser ?? config.USER_MAX_KEYS,
    maxLimitPerMinute: row?.maxLimitPerMinute ?? config.USER_MAX_LIMIT_PER_MINUTE,
    maxLimitPerDay: row?.maxLimitPerDay ?? config.USER_MAX_LIMIT_PER_DAY,
  };
}

export async function updateSettings(tx: PrismaTx, patch: Partial<Settings>): Promise<void> {
  await tx.settings.upsert({ where: { id: 1 }, create: { id: 1, ...patch }, update: patch });
}
