'use client';

import type { WebhookDelivery } from '@gateway/shared';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { type ApiError, toApiError } from '@/lib/api-error';
import { useResource } from '@/lib/use-resource';

export type DeliveryFilter = 'all' | WebhookDelivery['status'];

const PAGE = 20;

/** Older pages fetched with "Load more": their rows and the cursor after them. */
interface Older {
  items: WebhookDelivery[];
  cursor: string | null;
}

export interface DeliveriesLog {
  filter: DeliveryFilter;
  setFilter(filter: DeliveryFilter): void;
  items: WebhookDelivery[] | undefined;
  error: ApiError | undefined;
  /** A new filter is loading (the old rows stay, dimmed). */
  switching: boolean;
  refreshing: boolean;
  /** Older pages are shown: the automatic refresh is paused (as on the usage page). */
  paged: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | null;
  loadMore(): Promise<void>;
  /** Back to the newest page only, refreshed now and then every few seconds again. */
  showNewest(): void;
  redelivering: string | null;
  redeliverError: string | null;
  redeliver(delivery: WebhookDelivery): Promise<void>;
}

/**
 * An endpoint's delivery log: the newest page refreshes itself every `refreshMs` while the tab is
 * visible; "Load more" follows the gateway's cursor and pauses the refresh, since rows arriving on top
 * would otherwise shift the pages already shown.
 */
export function useDeliveries(webhookId: string, refreshMs: number): DeliveriesLog {
  const gateway = useGateway();
  const [filter, setFilterState] = useState<DeliveryFilter>('all');
  const [older, setOlder] = useState<Older | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [redelivering, setRedelivering] = useState<string | null>(null);
  const [redeliverError, setRedeliverError] = useState<string | null>(null);
  const status = filter === 'all' ? undefined : filter;
  const newest = useResource(
    `webhook-deliveries:${webhookId}:${filter}`,
    () => gateway.listWebhookDeliveries(webhookId, { status, limit: PAGE }),
    { refreshInterval: older ? 0 : refreshMs, keepPreviousData: true },
  );

  const first = newest.data?.data;
  const seen = new Set(first?.map((delivery) => delivery.id));
  const items = first && [...first, ...(older?.items.filter((delivery) => !seen.has(delivery.id)) ?? [])];
  const cursor = older ? older.cursor : (newest.data?.nextCursor ?? null);

  function showNewest() {
    setOlder(null);
    setMoreError(null);
    void newest.reload();
  }

  return {
    filter,
    setFilter(next) {
      setOlder(null);
      setMoreError(null);
      setFilterState(next);
    },
    items,
    error: newest.error,
    switching: newest.loading,
    refreshing: newest.refreshing,
    paged: older !== null,
    hasMore: cursor !== null,
    loadingMore,
    moreError,
    async loadMore() {
      if (!cursor) return;
      setLoadingMore(true);
      setMoreError(null);
      try {
        const page = await gateway.listWebhookDeliveries(webhookId, { status, limit: PAGE, cursor });
        setOlder((previous) => ({ items: [...(previous?.items ?? []), ...page.data], cursor: page.nextCursor }));
      } catch (caught) {
        setMoreError(`Couldn't load more deliveries: ${toApiError(caught).message}`);
      } finally {
        setLoadingMore(false);
      }
    },
    showNewest,
    redelivering,
    redeliverError,
    async redeliver(delivery) {
      setRedelivering(delivery.id);
      setRedeliverError(null);
      try {
        await gateway.redeliverWebhook(webhookId, delivery.id);
        showNewest(); // the new delivery is the newest row
      } catch (caught) {
        setRedeliverError(`Couldn't redeliver ${delivery.eventType}: ${toApiError(caught).message}`);
      } finally {
        setRedelivering(null);
      }
    },
  };
}
