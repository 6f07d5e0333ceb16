'use client';

import { ArrowLeft, KeyRound, Pencil, Send, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, ErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Skeleton } from '@/components/ui/skeleton';
import { useResource } from '@/lib/use-resource';
import { useOwnerEmails } from '../../admin/_lib/use-owner-emails';
import { useWebhookActions } from '../_components/use-webhook-actions';
import { DeliveryLog } from './_components/delivery-log';
import { useDeliveries } from './_components/use-deliveries';
import { WebhookSummary } from './_components/webhook-summary';

/** How often the endpoint and its newest deliveries refresh while the tab is visible (as the usage page). */
export const DELIVERIES_REFRESH_MS = 5_000;

export function WebhookClient({ webhookId }: { webhookId: string }) {
  const gateway = useGateway();
  const router = useRouter();
  const { role } = useSession();
  const back = role === 'admin' ? '/admin/webhooks' : '/webhooks';
  const webhook = useResource(`webhook:${webhookId}`, () => gateway.getWebhook(webhookId), {
    refreshInterval: DELIVERIES_REFRESH_MS,
  });
  const ownerId = role === 'admin' && webhook.data?.userId ? [webhook.data.userId] : [];
  const owners = useOwnerEmails(gateway, ownerId);
  const owner =
    role !== 'admin' || !webhook.data
      ? null
      : webhook.data.userId === null
        ? 'Platform'
        : (owners.get(webhook.data.userId) ?? '…');
  const log = useDeliveries(webhookId, DELIVERIES_REFRESH_MS);
  const actions = useWebhookActions({
    onChanged: (updated) => webhook.setData(() => updated),
    onDeleted: () => router.push(back),
    onTestQueued: log.showNewest,
  });

  if (webhook.error?.isNotFound) {
    return (
      <ErrorState
        title="Webhook not found"
        description={
          <p>
            No endpoint has this address: it was deleted, belongs to another account, or the link is incomplete.{' '}
            <Link href={back} className="font-medium text-foreground underline underline-offset-4">
              Back to webhooks
            </Link>
          </p>
        }
        className="mt-8"
      />
    );
  }

  const data = webhook.data;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4">
        <Link
          href={back}
          className="flex w-fit items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
        >
          <ArrowLeft className="size-4" aria-hidden /> Webhooks
        </Link>
        {webhook.error && !data ? (
          <ApiErrorState error={webhook.error} what="this webhook" onRetry={() => void webhook.reload()} />
        ) : !data ? (
          <div className="grid gap-3" role="status" aria-label="Loading webhook">
            <Skeleton className="h-8 w-2/3" />
            <Skeleton className="h-5 w-1/2" />
          </div>
        ) : (
          <>
            <div className="flex flex-wrap items-start justify-between gap-4">
              <div className="grid min-w-0 gap-1">
                <h1 className="font-mono text-lg font-semibold tracking-tight wrap-anywhere sm:text-xl">{data.url}</h1>
                {data.description && <p className="text-sm text-muted-foreground">{data.description}</p>}
              </div>
              <div className="flex flex-wrap items-center gap-2">
                <Button
                  variant="outline"
                  size="sm"
                  onClick={() => actions.handlers.onSendTest(data)}
                  disabled={!data.enabled}
                  title={data.enabled ? undefined : 'Enable the endpoint to send it events'}
                >
                  <Send aria-hidden /> Send test event
                </Button>
                <Button variant="outline" size="sm" onClick={() => actions.handlers.onOpen('edit', data)}>
                  <Pencil aria-hidden /> Edit
                </Button>
                <Button variant="outline" size="sm" onClick={() => actions.handlers.onOpen('rotate', data)}>
                  <KeyRound aria-hidden /> Rotate secret
                </Button>
                <Button
                  variant="outline"
                  size="sm"
                  className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                  onClick={() => actions.handlers.onOpen('delete', data)}
                >
                  <Trash2 aria-hidden /> Delete
                </Button>
              </div>
            </div>
            <WebhookSummary webhook={data} owner={owner} />
          </>
        )}
      </div>

      {actions.notice}

      <DeliveryLog log={log} />
      {actions.dialogs}
    </div>
  );
}
