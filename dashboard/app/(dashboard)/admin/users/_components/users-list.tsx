'use client';

import type { UserSummary } from '@gateway/shared';
import { ShieldMinus, ShieldPlus } from 'lucide-react';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime, formatNumber, formatRelative } from '@/lib/format';
import { RoleBadge } from '../../_components/role-badge';

interface UsersListProps {
  users: UserSummary[];
  currentUserId: string | null;
  onChangeRole(user: UserSummary): void;
}

function RoleButton({ user, onChangeRole }: { user: UserSummary; onChangeRole(user: UserSummary): void }) {
  const promote = user.role !== 'admin';
  return (
    <Button
      variant="ghost"
      size="sm"
      onClick={() => onChangeRole(user)}
      aria-label={`${promote ? 'Make admin' : 'Make user'}: ${user.email}`}
    >
      {promote ? <ShieldPlus aria-hidden /> : <ShieldMinus aria-hidden />}
      {promote ? 'Make admin' : 'Make user'}
    </Button>
  );
}

function Email({ user, currentUserId }: { user: UserSummary; currentUserId: string | null }) {
  return (
    <span className="flex min-w-0 items-center gap-2">
      <Link
        href={`/admin/users/${user.id}`}
        prefetch={false} // a page of 50 rows would otherwise prefetch 50 pages
        className="truncate rounded-sm font-medium underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        {user.email}
      </Link>
      {user.id === currentUserId && <Badge variant="outline">You</Badge>}
    </span>
  );
}

function LastSignIn({ at }: { at: string | null }) {
  return at ? (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelative(at)}
    </time>
  ) : (
    <>Never</>
  );
}

/** Users as a table on wide screens and as a stacked list on phones. */
export function UsersList({ users, currentUserId, onChangeRole }: UsersListProps) {
  return (
    <>
      <div className="hidden md:block">
        <Table aria-label="Users">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Email</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="text-right">Keys</TableHead>
              <TableHead className="hidden lg:table-cell">Created</TableHead>
              <TableHead>Last sign-in</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.map((user) => (
              <TableRow key={user.id} data-testid="user-row" data-user-id={user.id}>
                <TableCell className="max-w-72">
                  <Email user={user} currentUserId={currentUserId} />
                </TableCell>
                <TableCell>
                  <RoleBadge role={user.role} />
                </TableCell>
                <TableCell className="text-right tabular-nums" data-testid="key-count">
                  {formatNumber(user.keyCount)}
                </TableCell>
                <TableCell className="hidden text-muted-foreground lg:table-cell">
                  {formatDateTime(user.createdAt)}
                </TableCell>
                <TableCell className="text-muted-foreground">
                  <LastSignIn at={user.lastSignInAt} />
                </TableCell>
                <TableCell className="text-right">
                  <RoleButton user={user} onChangeRole={onChangeRole} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <ul className="divide-y border-t md:hidden">
        {users.map((user) => (
          <li key={user.id} className="grid grid-cols-[minmax(0,1fr)] gap-3 px-6 py-4" data-testid="user-card">
            <div className="flex items-start justify-between gap-3">
              <Email user={user} currentUserId={currentUserId} />
              <RoleBadge role={user.role} />
            </div>
            <dl className="grid grid-cols-3 gap-2 text-sm">
              <div>
                <dt className="text-xs text-muted-foreground">Keys</dt>
                <dd className="tabular-nums">{formatNumber(user.keyCount)}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Created</dt>
                <dd>{formatRelative(user.createdAt)}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Last sign-in</dt>
                <dd>
                  <LastSignIn at={user.lastSignInAt} />
                </dd>
              </div>
            </dl>
            <div className="-mx-2.5 flex justify-start">
              <RoleButton user={user} onChangeRole={onChangeRole} />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
