'use client';

import type { Webhook } from '@gateway/shared';
import Link from 'next/link';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime } from '@/lib/format';
import { cn } from '@/lib/utils';
import { type WebhookActionHandlers, WebhookActions } from './webhook-actions';
import { DisabledReason, WebhookEvents, WebhookStatusBadge } from './webhook-status';

interface WebhooksListProps extends WebhookActionHandlers {
  webhooks: Webhook[];
  /** Admins: the owner column, an email by user id ("Platform" for endpoints without one). */
  owners?: ReadonlyMap<string, string | null>;
}

function Owner({ webhook, owners }: { webhook: Webhook; owners: ReadonlyMap<string, string | null> }) {
  if (webhook.userId === null) return <span className="font-medium">Platform</span>;
  const email = owners.get(webhook.userId);
  return (
    <Link
      href={`/admin/users/${webhook.userId}`}
      title={email ?? undefined}
      className="truncate underline-offset-4 hover:underline"
    >
      {email ?? (email === null ? 'Unknown user' : '…')}
    </Link>
  );
}

/** The URL as a link to the delivery log: one truncated line in the table, wrapped in full on a phone. */
function EndpointName({ webhook, wrap = false }: { webhook: Webhook; wrap?: boolean }) {
  return (
    <div className="grid min-w-0 gap-0.5">
      <Link
        href={`/webhooks/${webhook.id}`}
        title={webhook.url}
        className={cn(
          wrap ? 'break-all' : 'truncate',
          'rounded-sm font-mono text-xs font-medium underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50',
        )}
      >
        {webhook.url}
      </Link>
      {webhook.description && (
        <span className="truncate text-xs text-muted-foreground" title={webhook.description}>
          {webhook.description}
        </span>
      )}
    </div>
  );
}

/** Endpoints as a table from `md` up and as stacked cards below it. */
export function WebhooksList({ webhooks, owners, ...handlers }: WebhooksListProps) {
  return (
    <>
      <div className="hidden md:block">
        <Table className="table-fixed">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-[34%] pl-6">Endpoint</TableHead>
              {owners && <TableHead className="w-[18%]">Owner</TableHead>}
              <TableHead>Events</TableHead>
              <TableHead className="w-44">Status</TableHead>
              <TableHead className="hidden w-40 lg:table-cell">Created</TableHead>
              <TableHead className="w-14 pr-6 text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {webhooks.map((webhook) => (
              <TableRow key={webhook.id} data-testid="webhook-row" data-webhook-id={webhook.id}>
                <TableCell className="pl-6">
                  <EndpointName webhook={webhook} />
                </TableCell>
                {owners && (
                  <TableCell className="truncate" data-testid="webhook-owner">
                    <Owner webhook={webhook} owners={owners} />
                  </TableCell>
                )}
                <TableCell className="whitespace-normal">
                  <WebhookEvents webhook={webhook} />
                </TableCell>
                <TableCell className="whitespace-normal">
                  <div className="grid gap-1">
                    <WebhookStatusBadge webhook={webhook} />
                    <DisabledReason webhook={webhook} />
                  </div>
                </TableCell>
                <TableCell className="hidden text-muted-foreground lg:table-cell">
                  {formatDateTime(webhook.createdAt)}
                </TableCell>
                <TableCell className="pr-6 text-right">
                  <WebhookActions webhook={webhook} {...handlers} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <ul className="divide-y border-t md:hidden">
        {webhooks.map((webhook) => (
          <li key={webhook.id} className="grid gap-3 px-6 py-4" data-testid="webhook-card">
            <div className="flex items-start justify-between gap-3">
              <EndpointName webhook={webhook} wrap />
              <WebhookActions webhook={webhook} {...handlers} />
            </div>
            <div className="grid gap-1">
              <WebhookStatusBadge webhook={webhook} />
              <DisabledReason webhook={webhook} />
            </div>
            <dl className="grid grid-cols-2 gap-2 text-sm">
              {owners && (
                <div className="col-span-2 min-w-0">
                  <dt className="text-xs text-muted-foreground">Owner</dt>
                  <dd className="truncate">
                    <Owner webhook={webhook} owners={owners} />
                  </dd>
                </div>
              )}
              <div className="col-span-2">
                <dt className="text-xs text-muted-foreground">Events</dt>
                <dd>
                  <WebhookEvents webhook={webhook} />
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
    </>
  );
}
