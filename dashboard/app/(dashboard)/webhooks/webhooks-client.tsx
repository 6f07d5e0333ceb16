'use client';

import { MAX_WEBHOOKS_PER_USER, type Webhook } from '@gateway/shared';
import { Plus, Webhook as WebhookIcon } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, EmptyState, PageSpinner } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { useResource } from '@/lib/use-resource';
import { ListSkeleton } from '../admin/_components/list-skeleton';
import { CreateWebhookDialog } from './_components/create-webhook-dialog';
import { useWebhookActions } from './_components/use-webhook-actions';
import { WebhooksList } from './_components/webhooks-list';

/** The signed-in consumer's webhook endpoints (admins manage every endpoint under /admin/webhooks). */
export function WebhooksClient() {
  const { role } = useSession();
  const router = useRouter();
  // For an admin, GET /webhooks is every endpoint: that list, with owners, lives on the admin page.
  useEffect(() => {
    if (role === 'admin') router.replace('/admin/webhooks');
  }, [role, router]);
  if (role === 'admin') return <PageSpinner label="Opening the admin webhooks page" />;
  return <ConsumerWebhooks />;
}

function ConsumerWebhooks() {
  const gateway = useGateway();
  const webhooks = useResource('webhooks', async () => (await gateway.listWebhooks()).data);
  const [creating, setCreating] = useState(false);
  const replace = (updated: Webhook) =>
    webhooks.setData((list) => list?.map((webhook) => (webhook.id === updated.id ? updated : webhook)));
  const actions = useWebhookActions({
    onChanged: replace,
    onDeleted: (id) => webhooks.setData((list) => list?.filter((webhook) => webhook.id !== id)),
  });
  const count = webhooks.data?.length ?? 0;
  const full = count >= MAX_WEBHOOKS_PER_USER;

  const addButton = (
    <Button
      onClick={() => setCreating(true)}
      disabled={full}
      title={full ? `You have ${MAX_WEBHOOKS_PER_USER} endpoints, the most allowed.` : undefined}
    >
      <Plus aria-hidden /> Add endpoint
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="grid gap-1">
          <h1 className="text-2xl font-semibold tracking-tight">Webhooks</h1>
          <p className="text-sm text-muted-foreground">
            The gateway tells your endpoints when your keys change, with a signed HTTP request (
            <Link
              href="https://www.standardwebhooks.com"
              className="underline underline-offset-4 hover:text-foreground"
              target="_blank"
              rel="noreferrer"
            >
              Standard Webhooks
            </Link>
            ).
          </p>
        </div>
        {addButton}
      </div>

      {actions.notice}

      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Your endpoints</CardTitle>
          <CardDescription>
            {webhooks.data ? `${count} of ${MAX_WEBHOOKS_PER_USER} endpoints` : 'Loading…'}
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {webhooks.error && !webhooks.data ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={webhooks.error}
              what="your webhooks"
              onRetry={() => void webhooks.reload()}
            />
          ) : !webhooks.data ? (
            <ListSkeleton label="Loading webhooks" rows={2} />
          ) : webhooks.data.length === 0 ? (
            <EmptyState
              icon={<WebhookIcon className="size-5" aria-hidden />}
              title="No endpoints yet"
              description="Add an endpoint to be told when your keys are created, changed or deleted."
              action={addButton}
            />
          ) : (
            <WebhooksList webhooks={webhooks.data} {...actions.handlers} />
          )}
        </CardContent>
      </Card>

      <CreateWebhookDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(webhook) => webhooks.setData((list) => [webhook, ...(list ?? [])])}
      />
      {actions.dialogs}
    </div>
  );
}
