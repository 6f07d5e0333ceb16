'use client';

import type { ApiKey } from '@gateway/shared';
import { useCallback, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { toApiError } from '@/lib/api-error';

/**
 * Enable/disable for a list of keys, as on the consumer's keys page: the switch flips at once and flips
 * back with a message if the gateway refuses.
 */
export function useKeyToggle(update: (change: (keys: ApiKey[]) => ApiKey[]) => void, onChanged?: () => void) {
  const gateway = useGateway();
  const [error, setError] = useState<string | null>(null);

  const replace = useCallback(
    (updated: ApiKey) => update((keys) => keys.map((key) => (key.id === updated.id ? updated : key))),
    [update],
  );
  const remove = useCallback((id: string) => update((keys) => keys.filter((key) => key.id !== id)), [update]);

  async function toggle(key: ApiKey, active: boolean) {
    setError(null);
    replace({ ...key, active });
    try {
      replace(await gateway.updateKey(key.id, { active }));
      onChanged?.();
    } catch (caught) {
      replace(key);
      setError(`Couldn't ${active ? 'enable' : 'disable'} “${key.name}”: ${toApiError(caught).message}`);
    }
  }

  return { toggle: (key: ApiKey, active: boolean) => void toggle(key, active), replace, remove, error };
}
