'use client';

import type { ApiKey, KEY_STATES } from '@gateway/shared';
import { KeyRound, Plus } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { cn } from '@/lib/utils';
import { DeleteKeyDialog } from '../../keys/_components/delete-key-dialog';
import { EditKeyDialog } from '../../keys/_components/edit-key-dialog';
import { RollKeyDialog } from '../../keys/_components/roll-key-dialog';
import { CreateUserKeyDialog } from '../_components/create-user-key-dialog';
import { ListSkeleton } from '../_components/list-skeleton';
import { LoadMore } from '../_components/load-more';
import { PageHeader } from '../_components/page-header';
import { SearchInput } from '../_components/search-input';
import { useDebouncedValue } from '../_lib/use-debounced-value';
import { useKeyToggle } from '../_lib/use-key-toggle';
import { useOwnerEmails } from '../_lib/use-owner-emails';
import { usePagedList } from '../_lib/use-paged-list';
import { AdminKeysList } from './_components/admin-keys-list';

type StateFilter = (typeof KEY_STATES)[number] | 'all';

const STATE_FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'disabled', label: 'Disabled' },
  { value: 'expired', label: 'Expired' },
] as const;

export function AdminKeysClient() {
  const gateway = useGateway();
  const [search, setSearch] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const query = useDebouncedValue(search.trim());
  const keys = usePagedList(`keys:${query}:${state}`, (cursor) =>
    gateway.listKeys({ search: query || undefined, state: state === 'all' ? undefined : state, cursor }),
  );
  const owners = useOwnerEmails(gateway, keys.items?.map((key) => key.userId) ?? []);
  const { toggle, replace, remove, error: toggleError } = useKeyToggle(keys.update);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [rolling, setRolling] = useState<ApiKey | null>(null);
  const filtered = query !== '' || state !== 'all';

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="All keys"
        description="Every API key on this gateway, whoever owns it."
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus aria-hidden /> Create key for a user
          </Button>
        }
      />

      {toggleError && (
        <Alert variant="destructive">
          <AlertDescription>{toggleError}</AlertDescription>
        </Alert>
      )}

      <Card className="gap-4 pb-4">
        <CardHeader>
          <CardTitle className="sr-only">All keys</CardTitle>
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <SearchInput
              label="Search keys by name or key start"
              placeholder="Name or key start (ak_…)"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
            <SegmentedControl legend="State" options={STATE_FILTERS} value={state} onChange={setState} />
          </div>
        </CardHeader>
        <CardContent className="px-0">
          {keys.error && !keys.items ? (
            <ApiErrorState className="mx-6" error={keys.error} what="keys" onRetry={keys.reload} />
          ) : !keys.items ? (
            <ListSkeleton label="Loading keys" />
          ) : keys.items.length === 0 ? (
            <EmptyState
              icon={<KeyRound className="size-5" aria-hidden />}
              title={filtered ? 'No keys match' : 'No keys yet'}
              description={
                filtered
                  ? 'Try another search or state. Search matches a name anywhere or the beginning of a key.'
                  : 'Users create keys on their own page; you can also create one for a user.'
              }
            />
          ) : (
            <div className={cn('transition-opacity', keys.loading && 'opacity-60')} aria-busy={keys.loading}>
              <AdminKeysList
                keys={keys.items}
                owners={owners}
                onToggle={toggle}
                onEdit={setEditing}
                onDelete={setDeleting}
                onRoll={setRolling}
              />
            </div>
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
      </Card>

      <CreateUserKeyDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(key) => keys.update((list) => [key, ...list])}
      />
      <EditKeyDialog apiKey={editing} onClose={() => setEditing(null)} onSaved={replace} caps={null} />
      <RollKeyDialog apiKey={rolling} onClose={() => setRolling(null)} onRolled={replace} />
      <DeleteKeyDialog apiKey={deleting} onClose={() => setDeleting(null)} onDeleted={remove} />
    </div>
  );
}
