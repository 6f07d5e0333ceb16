'use client';

import type { WebhookDelivery } from '@gateway/shared';
import { ChevronRight, Loader2, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { formatDateTime, formatLatency, formatLogTime, formatSoon } from '@/lib/format';
import { cn } from '@/lib/utils';
import { DeliveryStatusBadge } from './delivery-status';

const COLUMNS = 'md:grid md:grid-cols-[minmax(0,1fr)_6.5rem_4.5rem_4rem_5.5rem_9.5rem_7.5rem] md:items-center md:gap-4';

interface DeliveryListProps {
  deliveries: WebhookDelivery[];
  /** The id of the delivery whose redelivery is under way. */
  redelivering: string | null;
  onRedeliver(delivery: WebhookDelivery): void;
}

/**
 * The delivery log, newest first: one line per delivery (columns from `md` up, two stacked lines on a
 * phone); a line opens to show the receiver's answer and the last error.
 */
export function DeliveryList({ deliveries, redelivering, onRedeliver }: DeliveryListProps) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div className="text-sm">
      {/* Column headings for sighted readers; each row's cells carry their own words for screen readers. */}
      <div
        aria-hidden
        className={cn('hidden border-b px-6 pb-2 text-xs font-medium text-muted-foreground md:grid', COLUMNS)}
      >
        <span>Event</span>
        <span>Status</span>
        <span className="text-right">Attempts</span>
        <span className="text-right">Code</span>
        <span className="text-right">Latency</span>
        <span>When</span>
        <span>
          <span className="sr-only">Actions</span>
        </span>
      </div>
      <ul aria-label="Deliveries" className="divide-y">
        {deliveries.map((delivery) => (
          <DeliveryRow
            key={delivery.id}
            delivery={delivery}
            expanded={open.has(delivery.id)}
            onToggle={() => toggle(delivery.id)}
            redelivering={redelivering === delivery.id}
            onRedeliver={() => onRedeliver(delivery)}
          />
        ))}
      </ul>
    </div>
  );
}

interface DeliveryRowProps {
  delivery: WebhookDelivery;
  expanded: boolean;
  onToggle(): void;
  redelivering: boolean;
  onRedeliver(): void;
}

function DeliveryRow({ delivery, expanded, onToggle, redelivering, onRedeliver }: DeliveryRowProps) {
  const detailsId = `delivery-${delivery.id}`;
  const code = delivery.lastStatusCode === null ? '–' : String(delivery.lastStatusCode);
  const nextAttempt = delivery.status === 'pending' && delivery.nextAttemptAt && (
    <span className="block text-xs text-muted-foreground" data-testid="delivery-next-attempt">
      Next attempt{' '}
      <time dateTime={delivery.nextAttemptAt} title={formatDateTime(delivery.nextAttemptAt)}>
        {formatSoon(delivery.nextAttemptAt)}
      </time>
    </span>
  );

  return (
    <li data-testid="delivery-row" data-delivery-id={delivery.id} data-status={delivery.status}>
      <div className={cn('grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-6 py-3', COLUMNS)}>
        <span className="min-w-0">
          <button
            type="button"
            aria-expanded={expanded}
            aria-controls={detailsId}
            onClick={onToggle}
            className="flex max-w-full items-center gap-1.5 rounded-sm text-left outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            <ChevronRight
              className={cn('size-4 shrink-0 text-muted-foreground transition-transform', expanded && 'rotate-90')}
              aria-hidden
            />
            <code className="truncate font-mono text-xs font-medium">{delivery.eventType}</code>
            <span className="sr-only">{expanded ? ', hide details' : ', show details'}</span>
          </button>
        </span>
        <span className="justify-self-end md:justify-self-start">
          <DeliveryStatusBadge delivery={delivery} />
        </span>
        {/* A phone shows the numbers as one line under the event. */}
        <span className="col-span-2 text-xs text-muted-foreground tabular-nums md:hidden">
          <time dateTime={delivery.createdAt}>{formatLogTime(delivery.createdAt)}</time> · {delivery.attempts}{' '}
          {delivery.attempts === 1 ? 'attempt' : 'attempts'} · HTTP {code} · {formatLatency(delivery.lastLatencyMs)}
          {nextAttempt}
        </span>
        <span className="hidden text-right tabular-nums md:block" data-testid="delivery-attempts">
          <span className="sr-only">Attempts: </span>
          {delivery.attempts}
        </span>
        <span className="hidden text-right font-mono text-xs md:block" data-testid="delivery-code">
          <span className="sr-only">Status code: </span>
          {code}
        </span>
        <span className="hidden text-right tabular-nums md:block">{formatLatency(delivery.lastLatencyMs)}</span>
        <span className="hidden text-muted-foreground tabular-nums md:block">
          <time dateTime={delivery.createdAt} title={formatDateTime(delivery.createdAt)}>
            {formatLogTime(delivery.createdAt)}
          </time>
          {nextAttempt}
        </span>
        <span className="col-span-2 md:col-span-1 md:justify-self-end">
          <Button variant="outline" size="sm" onClick={onRedeliver} disabled={redelivering}>
            {redelivering ? <Loader2 className="animate-spin" aria-hidden /> : <RotateCcw aria-hidden />}
            Redeliver
          </Button>
        </span>
      </div>
      {expanded && <DeliveryDetails id={detailsId} delivery={delivery} />}
    </li>
  );
}

function DeliveryDetails({ id, delivery }: { id: string; delivery: WebhookDelivery }) {
  // Seconds matter here: retries come 5 s and 30 s apart.
  const when = (at: string | null) =>
    at ? (
      <time dateTime={at} title={formatDateTime(at)}>
        {formatLogTime(at)}
      </time>
    ) : (
      '–'
    );
  return (
    <div id={id} className="grid gap-3 border-t bg-muted/40 px-6 py-4" data-testid="delivery-details">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-xs sm:grid-cols-4">
        <div>
          <dt className="text-muted-foreground">Queued</dt>
          <dd>{when(delivery.createdAt)}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Last attempt</dt>
          <dd>{when(delivery.lastAttemptAt)}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground">{delivery.status === 'pending' ? 'Next attempt' : 'Finished'}</dt>
          <dd>{when(delivery.status === 'pending' ? delivery.nextAttemptAt : delivery.completedAt)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-muted-foreground">Event id (webhook-id)</dt>
          <dd className="truncate font-mono" title={delivery.eventId}>
            {delivery.eventId}
          </dd>
        </div>
      </dl>
      {delivery.lastError && (
        <div className="grid gap-1">
          <span className="text-xs font-medium">Error</span>
          <p className="text-xs text-destructive wrap-anywhere" data-testid="delivery-error">
            {delivery.lastError}
          </p>
        </div>
      )}
      <div className="grid gap-1">
        <span className="text-xs font-medium">Response (first KiB)</span>
        {delivery.lastResponse ? (
          <pre
            className="max-h-48 overflow-auto rounded-md border bg-background px-3 py-2 font-mono text-xs whitespace-pre-wrap wrap-anywhere"
            data-testid="delivery-response"
          >
            {delivery.lastResponse}
          </pre>
        ) : (
          <p className="text-xs text-muted-foreground">
            {delivery.attempts === 0
              ? 'Not attempted yet.'
              : delivery.lastStatusCode === null
                ? 'No answer.'
                : 'An empty body.'}
          </p>
        )}
      </div>
    </div>
  );
}
