'use client';

import type { ApiKey, User } from '@gateway/shared';
import { KeyRound, Plus } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { DeleteKeyDialog } from '../../../../keys/_components/delete-key-dialog';
import { EditKeyDialog } from '../../../../keys/_components/edit-key-dialog';
import { KeyCards } from '../../../../keys/_components/key-cards';
import { KeysTable } from '../../../../keys/_components/keys-table';
import { CreateUserKeyDialog } from '../../../_components/create-user-key-dialog';
import { ListSkeleton } from '../../../_components/list-skeleton';
import { LoadMore } from '../../../_components/load-more';
import { useKeyToggle } from '../../../_lib/use-key-toggle';
import { usePagedList } from '../../../_lib/use-paged-list';

/**
 * One user's keys (`GET /keys?userId=`), with the same controls the owner has, and "create for them".
 * `onChanged` runs after every change, so the page can show the audit entries it caused.
 */
export function UserKeys({ user, onChanged }: { user: User; onChanged(): void }) {
  const gateway = useGateway();
  const keys = usePagedList(`user-keys:${user.id}`, (cursor) => gateway.listKeys({ userId: user.id, cursor }));
  const { toggle, replace, remove, error: toggleError } = useKeyToggle(keys.update, onChanged);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);

  return (
    <Card className="gap-4 pb-4" data-testid="user-keys">
      <CardHeader>
        <CardTitle>Keys</CardTitle>
        <CardDescription>Each key links to its usage.</CardDescription>
        <CardAction>
          <Button size="sm" variant="outline" onClick={() => setCreating(true)}>
            <Plus aria-hidden /> Create key
          </Button>
        </CardAction>
      </CardHeader>
      {toggleError && (
        <Alert variant="destructive" className="mx-6 w-auto">
          <AlertDescription>{toggleError}</AlertDescription>
        </Alert>
      )}
      <CardContent className="px-0">
        {keys.error && !keys.items ? (
          <ApiErrorState className="mx-6" error={keys.error} what="their keys" onRetry={keys.reload} />
        ) : !keys.items ? (
          <ListSkeleton label="Loading keys" rows={2} />
        ) : keys.items.length === 0 ? (
          <EmptyState
            icon={<KeyRound className="size-5" aria-hidden />}
            title="No keys"
            description={`${user.email} has no API keys yet.`}
          />
        ) : (
          <>
            <div className="hidden md:block">
              <KeysTable keys={keys.items} onToggle={toggle} onEdit={setEditing} onDelete={setDeleting} />
            </div>
            <div className="md:hidden">
              <KeyCards keys={keys.items} onToggle={toggle} onEdit={setEditing} onDelete={setDeleting} />
            </div>
          </>
        )}
      </CardContent>
      {keys.items && keys.items.length > 0 && (
        <LoadMore
          shown={keys.items.length}
          noun="key"
          hasMore={keys.hasMore}
          loadingMore={keys.loadingMore}
          error={keys.error}
          onLoadMore={keys.loadMore}
        />
      )}
      <CreateUserKeyDialog
        open={creating}
        onOpenChange={setCreating}
        user={user}
        onCreated={(key) => {
          keys.update((list) => [key, ...list]);
          onChanged();
        }}
      />
      <EditKeyDialog
        apiKey={editing}
        onClose={() => setEditing(null)}
        onSaved={(key) => {
          replace(key);
          onChanged();
        }}
        caps={null}
      />
      <DeleteKeyDialog
        apiKey={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(id) => {
          remove(id);
          onChanged();
        }}
      />
    </Card>
  );
}
