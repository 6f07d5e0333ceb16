'use client';

import { ArrowRight, ScrollText } from 'lucide-react';
import Link from 'next/link';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { AuditEntries } from '../../../_components/audit-entries';
import { ListSkeleton } from '../../../_components/list-skeleton';
import { LoadMore } from '../../../_components/load-more';
import { usePagedList } from '../../../_lib/use-paged-list';

const PAGE = 20;

/**
 * What this user did and what was done to their account and keys (`GET /audit?userId=`); a new
 * `version` reloads it after a change made on this page.
 */
export function UserAudit({ userId, version }: { userId: string; version: number }) {
  const gateway = useGateway();
  const audit = usePagedList(`user-audit:${userId}:${version}`, (cursor) =>
    gateway.listAudit({ userId, cursor, limit: PAGE }),
  );

  return (
    <Card className="gap-4 pb-4" data-testid="user-audit">
      <CardHeader>
        <CardTitle>Audit log</CardTitle>
        <CardDescription>Their actions, and changes to their account and keys.</CardDescription>
        <CardAction>
          <Button asChild size="sm" variant="ghost">
            <Link href={`/admin/audit?userId=${encodeURIComponent(userId)}`}>
              Filter in audit log <ArrowRight aria-hidden />
            </Link>
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="px-0">
        {audit.error && !audit.items ? (
          <ApiErrorState className="mx-6" error={audit.error} what="audit entries" onRetry={audit.reload} />
        ) : !audit.items ? (
          <ListSkeleton label="Loading audit entries" rows={3} />
        ) : audit.items.length === 0 ? (
          <EmptyState
            icon={<ScrollText className="size-5" aria-hidden />}
            title="Nothing recorded"
            description="No changes by or about this user yet."
          />
        ) : (
          <AuditEntries entries={audit.items} />
        )}
      </CardContent>
      {audit.items && audit.items.length > 0 && (
        <LoadMore
          shown={audit.items.length}
          noun="entry"
          plural="entries"
          hasMore={audit.hasMore}
          loadingMore={audit.loadingMore}
          error={audit.error}
          onLoadMore={audit.loadMore}
        />
      )}
    </Card>
  );
}
