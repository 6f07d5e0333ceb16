import type { Webhook } from '@gateway/shared';
import { Badge } from '@/components/ui/badge';
import { formatClock, formatDateTime, formatDay } from '@/lib/format';

/** "13:19" today, "Nov 28" before: short enough for a badge; the full time is in its tooltip. */
function since(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? formatClock(iso) : formatDay(iso);
}

/** Enabled, failing since …, disabled by its owner, or disabled by the gateway (with its reason). */
export function WebhookStatusBadge({ webhook }: { webhook: Webhook }) {
  if (!webhook.enabled) {
    return (
      <Badge variant={webhook.disabledReason ? 'destructive' : 'secondary'} data-testid="webhook-status">
        <span className="size-1.5 rounded-full bg-current" aria-hidden />
        {webhook.disabledReason ? 'Disabled by the gateway' : 'Disabled'}
      </Badge>
    );
  }
  if (webhook.failingSince) {
    return (
      <Badge variant="warning" data-testid="webhook-status" title={formatDateTime(webhook.failingSince)}>
        <span className="size-1.5 rounded-full bg-current" aria-hidden />
        Failing since {since(webhook.failingSince)}
      </Badge>
    );
  }
  return (
    <Badge variant="success" data-testid="webhook-status">
      <span className="size-1.5 rounded-full bg-current" aria-hidden />
      Enabled
    </Badge>
  );
}

/** Why the gateway disabled the endpoint, when it did. */
export function DisabledReason({ webhook }: { webhook: Webhook }) {
  if (webhook.enabled || !webhook.disabledReason) return null;
  return <p className="text-xs text-destructive wrap-anywhere">{webhook.disabledReason}</p>;
}

/** "All events", or the subscribed types as small code chips. */
export function WebhookEvents({ webhook }: { webhook: Webhook }) {
  if (webhook.events.length === 0) return <span className="text-muted-foreground">All events</span>;
  return (
    <span className="flex min-w-0 flex-wrap gap-1">
      {webhook.events.map((type) => (
        <code key={type} className="max-w-full truncate rounded bg-muted px-1.5 py-0.5 font-mono text-xs" title={type}>
          {type}
        </code>
      ))}
    </span>
  );
}
