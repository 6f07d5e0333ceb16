'use client';

import type { UsageLogRecord } from '@gateway/shared';
import { ScrollText } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatBytes, formatDateTime, formatLatency, formatLogTime } from '@/lib/format';
import { cn } from '@/lib/utils';
import { ListSkeleton } from '../../admin/_components/list-skeleton';
import { LoadMore } from '../../admin/_components/load-more';
import type { PagedList } from '../../admin/_lib/use-paged-list';
import { statusVariant } from '../../keys/[id]/_components/recent-logs';

interface RequestLogProps {
  log: PagedList<UsageLogRecord>;
  /** Admins see whose key sent each request. */
  admin: boolean;
  /** Owner emails by user id (admins), as far as they are known. */
  emails: ReadonlyMap<string, string | null>;
  filtered: boolean;
  /** The window in words, e.g. "Last 24 hours". */
  title: string;
  actions?: ReactNode;
}

/** The raw requests within the page's filters, newest first, with "Load more". */
export function RequestLog({ log, admin, emails, filtered, title, actions }: RequestLogProps) {
  return (
    <Card className="gap-4 pb-4" data-testid="request-log">
      <CardHeader className="flex flex-wrap items-end justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>Requests</CardTitle>
          <CardDescription>{title}, newest first</CardDescription>
        </div>
        {actions}
      </CardHeader>
      <CardContent className="px-0">
        {log.error && !log.items ? (
          <ApiErrorState className="mx-6" error={log.error} what="requests" onRetry={log.reload} />
        ) : !log.items ? (
          <ListSkeleton label="Loading requests" />
        ) : log.items.length === 0 ? (
          <EmptyState
            icon={<ScrollText className="size-5" aria-hidden />}
            title={filtered ? 'No requests match' : 'No requests in this period'}
            description={
              filtered
                ? 'Widen the time range or remove a filter.'
                : 'Requests made through /proxy appear here within a few seconds.'
            }
          />
        ) : (
          // Fixed layout: columns keep their widths as pages load. On a phone the time, method and key
          // join the path in one stacked cell, so the status and latency fit beside it.
          <div className={cn('transition-opacity', log.loading && 'opacity-60')} aria-busy={log.loading}>
            <Table aria-label="Requests" className="table-fixed">
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead className="hidden sm:table-cell sm:w-40">Time</TableHead>
                  <TableHead className="pl-6 sm:pl-3">
                    <span className="sm:hidden">Request</span>
                    <span className="hidden sm:inline">Method and path</span>
                  </TableHead>
                  <TableHead className="hidden md:table-cell md:w-40">Key</TableHead>
                  {admin && <TableHead className="hidden lg:table-cell lg:w-48">User</TableHead>}
                  <TableHead className="w-16 sm:w-20">Status</TableHead>
                  <TableHead className="hidden w-20 text-right lg:table-cell">Size</TableHead>
                  <TableHead className="w-20 text-right sm:w-24">Latency</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {log.items.map((row) => (
                  <TableRow key={row.id} data-testid="request-row">
                    <TableCell className="hidden text-muted-foreground tabular-nums sm:table-cell">
                      <time dateTime={row.timestamp} title={formatDateTime(row.timestamp)}>
                        {formatLogTime(row.timestamp)}
                      </time>
                    </TableCell>
                    <TableCell className="truncate pl-6 sm:pl-3" title={`${row.method} ${row.path}`}>
                      <span className="font-mono text-xs" data-testid="request-line">
                        {row.method} {row.path}
                      </span>
                      <span className="block truncate text-xs text-muted-foreground md:hidden">
                        <time dateTime={row.timestamp} className="tabular-nums sm:hidden">
                          {formatLogTime(row.timestamp)} ·{' '}
                        </time>
                        {row.keyName ?? 'deleted key'}
                      </span>
                    </TableCell>
                    <TableCell className="hidden truncate md:table-cell" data-testid="request-key">
                      {row.keyName === null ? (
                        <span className="text-muted-foreground">deleted key</span>
                      ) : (
                        <Link
                          href={`/keys/${row.keyId}`}
                          prefetch={false}
                          className="rounded-sm underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
                        >
                          {row.keyName}
                        </Link>
                      )}
                    </TableCell>
                    {admin && (
                      <TableCell className="hidden truncate text-muted-foreground lg:table-cell">
                        {row.userId === null ? '–' : (emails.get(row.userId) ?? row.userId)}
                      </TableCell>
                    )}
                    <TableCell>
                      <Badge variant={statusVariant(row.statusCode)} className="font-mono" data-testid="request-status">
                        {row.statusCode}
                      </Badge>
                    </TableCell>
                    <TableCell
                      className="hidden text-right tabular-nums text-muted-foreground lg:table-cell"
                      title={`${formatBytes(row.requestBytes)} in`}
                    >
                      {formatBytes(row.responseBytes)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatLatency(row.latencyMs)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        )}
      </CardContent>
      {log.items && log.items.length > 0 && (
        <LoadMore
          shown={log.items.length}
          noun="request"
          hasMore={log.hasMore}
          loadingMore={log.loadingMore}
          error={log.error}
          onLoadMore={log.loadMore}
        />
      )}
    </Card>
  );
}
