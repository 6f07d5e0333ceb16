'use client';

import { MAX_LIST_PAGE } from '@gateway/shared';
import { useEffect, useRef, useState } from 'react';
import type { GatewayClient } from '@/lib/gateway-client';

/**
 * Emails of the users owning the given keys. Keys carry only a `userId`, so this asks once for the
 * first page of users (enough for most gateways) and then looks up the few owners still missing one by one.
 * Ids whose lookup failed map to null.
 */
export function useOwnerEmails(gateway: GatewayClient, userIds: readonly string[]): ReadonlyMap<string, string | null> {
  const [emails, setEmails] = useState<ReadonlyMap<string, string | null>>(new Map());
  const asked = useRef(new Set<string>());
  const primed = useRef(false);
  const wanted = [...new Set(userIds)].sort().join(',');

  useEffect(() => {
    const missing = wanted.split(',').filter((id) => id !== '' && !asked.current.has(id));
    if (missing.length === 0) return;
    for (const id of missing) asked.current.add(id);

    async function lookUp() {
      const found = new Map<string, string | null>();
      if (!primed.current) {
        primed.current = true;
        const page = await gateway.listUsers({ limit: MAX_LIST_PAGE }).catch(() => null);
        for (const user of page?.data ?? []) found.set(user.id, user.email);
      }
      const rest = missing.filter((id) => !found.has(id));
      const users = await Promise.allSettled(rest.map((id) => gateway.getUser(id)));
      users.forEach((result, index) => {
        found.set(rest[index] as string, result.status === 'fulfilled' ? result.value.email : null);
      });
      // Kept even if the ids changed meanwhile: these ids are marked as asked and will not be asked again.
      setEmails((previous) => new Map([...previous, ...found]));
    }
    void lookUp();
  }, [gateway, wanted]);

  return emails;
}
