'use client';

import { History, Loader2, RefreshCw } from 'lucide-react';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from '@/components/ui/card';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { cn } from '@/lib/utils';
import { ListSkeleton } from '../../../admin/_components/list-skeleton';
import { DeliveryList } from './delivery-list';
import type { DeliveriesLog, DeliveryFilter } from './use-deliveries';

const FILTERS: readonly { value: DeliveryFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
];

const EMPTY: Record<DeliveryFilter, string> = {
  all: 'Events for this endpoint appear here as soon as they are queued. Send a test event to try it.',
  pending: 'Nothing is waiting to be delivered.',
  succeeded: 'No delivery has succeeded yet.',
  failed: 'No delivery has failed for good (each is retried for about a day first).',
};

export function DeliveryLog({ log }: { log: DeliveriesLog }) {
  return (
    <Card className="gap-4">
      <CardHeader>
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
          <div className="grid gap-1.5">
            <CardTitle>Deliveries</CardTitle>
            <CardDescription className="flex items-center gap-1.5">
              <RefreshCw className={cn('size-3', log.refreshing && 'animate-spin')} aria-hidden />
              {log.paged ? 'Paused while older deliveries are shown' : 'Newest first · refreshes every 5 s'}
            </CardDescription>
          </div>
          <SegmentedControl legend="Status" options={FILTERS} value={log.filter} onChange={log.setFilter} />
        </div>
      </CardHeader>
      <CardContent className="grid gap-4 px-0">
        {log.redeliverError && (
          <Alert variant="destructive" className="mx-6 w-auto">
            <AlertDescription>{log.redeliverError}</AlertDescription>
          </Alert>
        )}
        {log.error && !log.items ? (
          <ApiErrorState className="mx-6" error={log.error} what="deliveries" onRetry={log.showNewest} />
        ) : !log.items ? (
          <ListSkeleton label="Loading deliveries" rows={3} />
        ) : log.items.length === 0 ? (
          <EmptyState
            icon={<History className="size-5" aria-hidden />}
            title={log.filter === 'all' ? 'No deliveries yet' : `No ${log.filter} deliveries`}
            description={EMPTY[log.filter]}
          />
        ) : (
          <div className={cn('transition-opacity', log.switching && 'opacity-60')} aria-busy={log.switching}>
            <DeliveryList deliveries={log.items} redelivering={log.redelivering} onRedeliver={log.redeliver} />
          </div>
        )}
      </CardContent>
      {log.items && log.items.length > 0 && (log.hasMore || log.paged) && (
        <CardFooter className="flex flex-wrap items-center justify-between gap-3 border-t pt-4 text-sm text-muted-foreground">
          <span aria-live="polite" data-testid="shown-count">
            {log.items.length} deliveries shown
          </span>
          {log.moreError && <span className="text-destructive">{log.moreError}</span>}
          <div className="flex gap-2">
            {log.paged && (
              <Button variant="ghost" size="sm" onClick={log.showNewest}>
                Newest only
              </Button>
            )}
            {log.hasMore && (
              <Button variant="outline" size="sm" onClick={() => void log.loadMore()} disabled={log.loadingMore}>
                {log.loadingMore && <Loader2 className="animate-spin" aria-hidden />}
                Load more
              </Button>
            )}
          </div>
        </CardFooter>
      )}
    </Card>
  );
}
