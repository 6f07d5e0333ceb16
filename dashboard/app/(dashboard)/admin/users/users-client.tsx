'use client';

import type { Role, User, UserSummary } from '@gateway/shared';
import { UserPlus, Users } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { cn } from '@/lib/utils';
import { ListSkeleton } from '../_components/list-skeleton';
import { LoadMore } from '../_components/load-more';
import { PageHeader } from '../_components/page-header';
import { RoleChangeDialog } from '../_components/role-change-dialog';
import { SearchInput } from '../_components/search-input';
import { useDebouncedValue } from '../_lib/use-debounced-value';
import { usePagedList } from '../_lib/use-paged-list';
import { AddUserDialog } from './_components/add-user-dialog';
import { UsersList } from './_components/users-list';

type RoleFilter = Role | 'all';

const ROLE_FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'admin', label: 'Admins' },
  { value: 'user', label: 'Users' },
] as const;

export function UsersClient() {
  const gateway = useGateway();
  const { user: me } = useSession();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<RoleFilter>('all');
  const query = useDebouncedValue(search.trim());
  const users = usePagedList(`users:${query}:${role}`, (cursor) =>
    gateway.listUsers({ search: query || undefined, role: role === 'all' ? undefined : role, cursor }),
  );
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState<UserSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const filtered = query !== '' || role !== 'all';

  function added(user: User) {
    users.update((list) => [{ ...user, keyCount: 0 }, ...list.filter((u) => u.id !== user.id)]);
    setNotice(`Added ${user.email} as ${user.role === 'admin' ? 'an admin' : 'a user'}.`);
  }

  function roleChanged(user: User) {
    users.update((list) => list.map((u) => (u.id === user.id ? { ...u, ...user } : u)));
    setNotice(`${user.email} is now ${user.role === 'admin' ? 'an admin' : 'a user'}.`);
  }

  const addButton = (
    <Button onClick={() => setAdding(true)}>
      <UserPlus aria-hidden /> Add user
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Users"
        description="Everyone who can sign in to this gateway, and their role."
        actions={addButton}
      />

      {notice && (
        <Alert data-testid="users-notice" role="status">
          <AlertDescription>{notice}</AlertDescription>
        </Alert>
      )}

      <Card className="gap-4 pb-4">
        <CardHeader className="gap-3">
          <CardTitle className="sr-only">All users</CardTitle>
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <SearchInput
              label="Search users by email"
              placeholder="Search by email"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
            <SegmentedControl legend="Role" options={ROLE_FILTERS} value={role} onChange={setRole} />
          </div>
        </CardHeader>
        <CardContent className="px-0">
          {users.error && !users.items ? (
            <ApiErrorState className="mx-6" error={users.error} what="users" onRetry={users.reload} />
          ) : !users.items ? (
            <ListSkeleton label="Loading users" />
          ) : users.items.length === 0 ? (
            <EmptyState
              icon={<Users className="size-5" aria-hidden />}
              title={filtered ? 'No users match' : 'No users yet'}
              description={
                filtered ? 'Try another search or role.' : 'Add a user, or let people sign in with their email.'
              }
              action={filtered ? undefined : addButton}
            />
          ) : (
            <div className={cn('transition-opacity', users.loading && 'opacity-60')} aria-busy={users.loading}>
              <UsersList users={users.items} currentUserId={me?.id ?? null} onChangeRole={setChanging} />
            </div>
          )}
        </CardContent>
        {users.items && users.items.length > 0 && (
          <LoadMore
            shown={users.items.length}
            noun="user"
            hasMore={users.hasMore}
            loadingMore={users.loadingMore}
            error={users.error}
            onLoadMore={users.loadMore}
          />
        )}
      </Card>

      <AddUserDialog open={adding} onOpenChange={setAdding} onAdded={added} />
      <RoleChangeDialog user={changing} onClose={() => setChanging(null)} onChanged={roleChanged} />
    </div>
  );
}
