'use client';

import { type ApiKey, DEFAULT_LIST_PAGE, type ListKeysResponse } from '@gateway/shared';
import { KeyRound, Loader2, Plus } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { toApiError } from '@/lib/api-error';
import { useResource } from '@/lib/use-resource';
import { type ConsumerCaps, effectiveDefaults } from './_components/caps';
import { CreateKeyDialog } from './_components/create-key-dialog';
import { DeleteKeyDialog } from './_components/delete-key-dialog';
import { EditKeyDialog } from './_components/edit-key-dialog';
import { KeyCards } from './_components/key-cards';
import { KeysTable, KeysTableSkeleton } from './_components/keys-table';
import { RollKeyDialog } from './_components/roll-key-dialog';

type KeyPage = ListKeysResponse;

/** The signed-in person's own keys (an admin's too: everyone's keys are under /admin/keys). */
export function KeysClient() {
  const gateway = useGateway();
  const { role, user } = useSession();
  const owner = role === 'admin' ? user?.id : undefined;
  const pages = useResource(`keys:${owner ?? ''}`, () => gateway.listKeys({ userId: owner, limit: DEFAULT_LIST_PAGE }));
  // Caps bind consumers only; admins may give keys any limit. Everyone sees the default limits.
  const settings = useResource('settings', () => gateway.getSettings());
  const caps: ConsumerCaps = role === 'user' ? (settings.data ?? null) : null;
  const keyDefaults = settings.data && effectiveDefaults(settings.data, caps);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const [rolling, setRolling] = useState<ApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const keys = { ...pages, data: pages.data?.data };
  const updateList = (update: (list: ApiKey[]) => ApiKey[]) =>
    pages.setData((page) => (page ? { ...page, data: update(page.data) } : page));
  const replaceKey = (updated: ApiKey) =>
    updateList((list) => list.map((key) => (key.id === updated.id ? updated : key)));
  // The count is known only once every page is loaded.
  const keyCount = pages.data && pages.data.nextCursor === null ? pages.data.data.length : null;

  async function loadMore() {
    const cursor = pages.data?.nextCursor;
    if (!cursor) return;
    setLoadingMore(true);
    setActionError(null);
    try {
      const next = await gateway.listKeys({ userId: owner, cursor, limit: DEFAULT_LIST_PAGE });
      pages.setData((page): KeyPage | undefined => {
        if (!page) return next;
        const seen = new Set(page.data.map((key) => key.id));
        return { data: [...page.data, ...next.data.filter((key) => !seen.has(key.id))], nextCursor: next.nextCursor };
      });
    } catch (caught) {
      setActionError(`Couldn't load more keys: ${toApiError(caught).message}`);
    } finally {
      setLoadingMore(false);
    }
  }

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
            Send requests to the gateway's <code className="font-mono text-xs">/proxy/…</code> paths with a key in the{' '}
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
            {!keys.data
              ? 'Loading…'
              : keyCount === null
                ? `${keys.data.length}+ keys`
                : caps
                  ? `${keyCount} of ${caps.maxKeysPerUser} key${caps.maxKeysPerUser === 1 ? '' : 's'}`
                  : `${keyCount} key${keyCount === 1 ? '' : 's'}`}
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {keys.error ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={keys.error}
              what="your keys"
              onRetry={() => void pages.reload()}
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
                <KeysTable
                  keys={keys.data}
                  onToggle={toggle}
                  onEdit={setEditing}
                  onDelete={setDeleting}
                  onRoll={setRolling}
                />
              </div>
              <div className="md:hidden">
                <KeyCards
                  keys={keys.data}
                  onToggle={toggle}
                  onEdit={setEditing}
                  onDelete={setDeleting}
                  onRoll={setRolling}
                />
              </div>
              {pages.data?.nextCursor && (
                <div className="flex justify-center border-t px-6 pt-4 pb-2">
                  <Button variant="outline" size="sm" onClick={loadMore} disabled={loadingMore}>
                    {loadingMore && <Loader2 className="animate-spin" aria-hidden />}
                    Load more keys
                  </Button>
                </div>
              )}
            </>
          )}
        </CardContent>
      </Card>

      <CreateKeyDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(key) => updateList((list) => [key, ...list])}
        caps={caps}
        keyCount={keyCount}
        defaults={keyDefaults}
      />
      <RollKeyDialog apiKey={rolling} onClose={() => setRolling(null)} onRolled={replaceKey} />
      <EditKeyDialog apiKey={editing} onClose={() => setEditing(null)} onSaved={replaceKey} caps={caps} />
      <DeleteKeyDialog
        apiKey={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(id) => updateList((list) => list.filter((key) => key.id !== id))}
      />
    </div>
  );
}
