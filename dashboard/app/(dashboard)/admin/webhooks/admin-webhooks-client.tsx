'use client';

import type { Webhook } from '@gateway/shared';
import { Plus, Webhook as WebhookIcon } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { useResource } from '@/lib/use-resource';
import { CreateWebhookDialog } from '../../webhooks/_components/create-webhook-dialog';
import { useWebhookActions } from '../../webhooks/_components/use-webhook-actions';
import { WebhooksList } from '../../webhooks/_components/webhooks-list';
import { ListSkeleton } from '../_components/list-skeleton';
import { PageHeader } from '../_components/page-header';
import { useOwnerEmails } from '../_lib/use-owner-emails';

/** Every endpoint on the gateway with its owner; admins add platform endpoints here. */
export function AdminWebhooksClient() {
  const gateway = useGateway();
  // Admins get every endpoint (at most 1,000, newest first): users hold at most 10 each.
  const webhooks = useResource('admin-webhooks', async () => (await gateway.listWebhooks()).data);
  const owners = useOwnerEmails(
    gateway,
    (webhooks.data ?? []).flatMap((webhook) => (webhook.userId ? [webhook.userId] : [])),
  );
  const [creating, setCreating] = useState(false);
  const replace = (updated: Webhook) =>
    webhooks.setData((list) => list?.map((webhook) => (webhook.id === updated.id ? updated : webhook)));
  const actions = useWebhookActions({
    onChanged: replace,
    onDeleted: (id) => webhooks.setData((list) => list?.filter((webhook) => webhook.id !== id)),
  });
  const platform = webhooks.data?.filter((webhook) => webhook.userId === null).length ?? 0;

  const addButton = (
    <Button onClick={() => setCreating(true)}>
      <Plus aria-hidden /> Add platform endpoint
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Webhooks"
        description="Every webhook endpoint on this gateway. Platform endpoints receive every user’s events and the platform’s own."
        actions={addButton}
      />
      {actions.notice}
      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Endpoints</CardTitle>
          <CardDescription>
            {webhooks.data ? `${webhooks.data.length} endpoints · ${platform} platform` : 'Loading…'}
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {webhooks.error && !webhooks.data ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={webhooks.error}
              what="webhooks"
              onRetry={() => void webhooks.reload()}
            />
          ) : !webhooks.data ? (
            <ListSkeleton label="Loading webhooks" />
          ) : webhooks.data.length === 0 ? (
            <EmptyState
              icon={<WebhookIcon className="size-5" aria-hidden />}
              title="No endpoints yet"
              description="Users add endpoints for their own keys on their Webhooks page; add a platform endpoint to hear about everything."
              action={addButton}
            />
          ) : (
            <WebhooksList webhooks={webhooks.data} owners={owners} {...actions.handlers} />
          )}
        </CardContent>
      </Card>
      <CreateWebhookDialog
        open={creating}
        onOpenChange={setCreating}
        platform
        onCreated={(webhook) => webhooks.setData((list) => [webhook, ...(list ?? [])])}
      />
      {actions.dialogs}
    </div>
  );
}
