import type { Webhook } from '@gateway/shared';
import { formatDateTime } from '@/lib/format';
import { DisabledReason, WebhookEvents, WebhookStatusBadge } from '../../_components/webhook-status';

/** The endpoint's settings under the page title: status, events, secret, owner. */
export function WebhookSummary({ webhook, owner }: { webhook: Webhook; owner: string | null }) {
  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <WebhookStatusBadge webhook={webhook} />
        <DisabledReason webhook={webhook} />
      </div>
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div className="grid gap-1">
          <dt className="text-xs text-muted-foreground">Events</dt>
          <dd>
            <WebhookEvents webhook={webhook} />
          </dd>
        </div>
        <div className="grid gap-1">
          <dt className="text-xs text-muted-foreground">Signing secret</dt>
          <dd className="flex flex-wrap items-center gap-x-2">
            <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{webhook.secretStart}…</code>
            {webhook.previousSecretExpiresAt && (
              <span className="text-xs text-muted-foreground">
                previous one signs too until {formatDateTime(webhook.previousSecretExpiresAt)}
              </span>
            )}
          </dd>
        </div>
        {owner !== null && (
          <div className="grid min-w-0 gap-1">
            <dt className="text-xs text-muted-foreground">Owner</dt>
            <dd className="truncate">{owner}</dd>
          </div>
        )}
        <div className="grid gap-1">
          <dt className="text-xs text-muted-foreground">Created</dt>
          <dd>{formatDateTime(webhook.createdAt)}</dd>
        </div>
      </dl>
    </div>
  );
}
