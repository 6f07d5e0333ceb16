'use client';

import type { ApiKey } from '@gateway/shared';
import { KeyRound, Plus } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { toApiError } from '@/lib/api-error';
import { useResource } from '@/lib/use-resource';
import { CreateKeyDialog } from './_components/create-key-dialog';
import { DeleteKeyDialog } from './_components/delete-key-dialog';
import { EditKeyDialog } from './_components/edit-key-dialog';
import { KeyCards } from './_components/key-cards';
import { KeysTable, KeysTableSkeleton } from './_components/keys-table';

export function KeysClient() {
  const gateway = useGateway();
  const keys = useResource('keys', async () => (await gateway.listKeys()).data);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const replaceKey = (updated: ApiKey) =>
    keys.setData((list) => list?.map((key) => (key.id === updated.id ? updated : key)));

  async function toggle(key: ApiKey, active: boolean) {
    setActionError(null);
    replaceKey({ ...key, active }); // optimistic: the switch flips at once
    try {
      replaceKey(await gateway.updateKey(key.id, { active }));
    } catch (caught) {
      replaceKey(key);
      setActionError(`Couldn't ${active ? 'enable' : 'disable'} “${key.name}”: ${toApiError(caught).message}`);
    }
  }

  const createButton = (
    <Button onClick={() => setCreating(true)}>
      <Plus aria-hidden /> Create key
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="grid gap-1">
          <h1 className="text-2xl font-semibold tracking-tight">API keys</h1>
          <p className="text-sm text-muted-foreground">
            Keys authenticate requests to <code className="font-mono text-xs">{gateway.baseUrl}/proxy/…</code> via the{' '}
            <code className="font-mono text-xs">X-API-Key</code> header.
          </p>
        </div>
        {createButton}
      </div>

      {actionError && (
        <Alert variant="destructive">
          <AlertTitle>Update failed</AlertTitle>
          <AlertDescription>{actionError}</AlertDescription>
        </Alert>
      )}

      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Your keys</CardTitle>
          <CardDescription>
            {keys.data ? `${keys.data.length} key${keys.data.length === 1 ? '' : 's'}` : 'Loading…'}
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {keys.error ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={keys.error}
              gatewayUrl={gateway.baseUrl}
              what="your keys"
              onRetry={() => void keys.reload()}
            />
          ) : !keys.data ? (
            <KeysTableSkeleton />
          ) : keys.data.length === 0 ? (
            <EmptyState
              icon={<KeyRound className="size-5" aria-hidden />}
              title="No API keys yet"
              description="Create a key to start sending requests through the gateway. Each key has its own rate limits and usage."
              action={createButton}
            />
          ) : (
            <>
              <div className="hidden md:block">
                <KeysTable keys={keys.data} onToggle={toggle} onEdit={setEditing} onDelete={setDeleting} />
              </div>
              <div className="md:hidden">
                <KeyCards keys={keys.data} onToggle={toggle} onEdit={setEditing} onDelete={setDeleting} />
              </div>
            </>
          )}
        </CardContent>
      </Card>

      <CreateKeyDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(key) => keys.setData((list) => [key, ...(list ?? [])])}
      />
      <EditKeyDialog apiKey={editing} onClose={() => setEditing(null)} onSaved={replaceKey} />
      <DeleteKeyDialog
        apiKey={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(id) => keys.setData((list) => list?.filter((key) => key.id !== id))}
      />
    </div>
  );
}
