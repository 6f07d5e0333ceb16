'use client';

import type { User } from '@gateway/shared';
import { ArrowLeft, ShieldMinus, ShieldPlus } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, ErrorState } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { RoleBadge } from '../../_components/role-badge';
import { RoleChangeDialog } from '../../_components/role-change-dialog';
import { UserAudit } from './_components/user-audit';
import { UserKeys } from './_components/user-keys';

export function UserClient({ userId }: { userId: string }) {
  const gateway = useGateway();
  const { user: me } = useSession();
  const user = useResource(`user:${userId}`, () => gateway.getUser(userId));
  const [changing, setChanging] = useState<User | null>(null);
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);

  const back = (
    <Link
      href="/admin/users"
      className="flex w-fit items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
    >
      <ArrowLeft className="size-4" aria-hidden /> Users
    </Link>
  );

  if (user.error && !user.data) {
    return (
      <div className="flex flex-col gap-4">
        {back}
        {user.error.isNotFound || user.error.status === 400 ? (
          <ErrorState title="User not found" description={<p>No user has this id.</p>} />
        ) : (
          <ApiErrorState error={user.error} what="this user" onRetry={() => void user.reload()} />
        )}
      </div>
    );
  }

  const data = user.data;
  const promote = data?.role !== 'admin';
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4">
        {back}
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div className="grid min-w-0 gap-1.5">
            {data ? (
              <h1 className="truncate text-2xl font-semibold tracking-tight">{data.email}</h1>
            ) : (
              <Skeleton className="h-8 w-64" />
            )}
            {data && (
              <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-muted-foreground">
                <RoleBadge role={data.role} />
                {data.id === me?.id && <Badge variant="outline">You</Badge>}
                <span>Created {formatDateTime(data.createdAt)}</span>
                <span>
                  Last sign-in{' '}
                  {data.lastSignInAt ? (
                    <time dateTime={data.lastSignInAt} title={formatDateTime(data.lastSignInAt)}>
                      {formatRelative(data.lastSignInAt)}
                    </time>
                  ) : (
                    'never'
                  )}
                </span>
              </div>
            )}
          </div>
          {data && (
            <Button variant="outline" onClick={() => setChanging(data)}>
              {promote ? <ShieldPlus aria-hidden /> : <ShieldMinus aria-hidden />}
              {promote ? 'Make admin' : 'Make user'}
            </Button>
          )}
        </div>
      </div>
      {data && <UserKeys user={data} onChanged={changed} />}
      <UserAudit userId={userId} version={changes} />
      <RoleChangeDialog
        user={changing}
        onClose={() => setChanging(null)}
        onChanged={(updated) => {
          user.setData(() => updated);
          changed();
        }}
      />
    </div>
  );
}
