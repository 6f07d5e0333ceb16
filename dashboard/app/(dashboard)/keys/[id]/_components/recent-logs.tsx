import type { UsageResponse } from '@gateway/shared';
import { ChevronLeft, ChevronRight, ScrollText } from 'lucide-react';
import { EmptyState } from '@/components/states';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime, formatLatency, formatLogTime } from '@/lib/format';

/** A status code's badge colour (also the analytics page's). */
export function statusVariant(status: number): BadgeProps['variant'] {
  if (status >= 500) return 'destructive';
  if (status === 429 || status >= 400) return 'warning';
  if (status >= 300) return 'secondary';
  return 'success';
}

interface RecentLogsProps {
  usage: UsageResponse;
  page: number;
  onNewer: (() => void) | null;
  onOlder: (() => void) | null;
}

export function RecentLogs({ usage, page, onNewer, onOlder }: RecentLogsProps) {
  return (
    <Card className="gap-4">
      <CardHeader>
        <CardTitle>Recent requests</CardTitle>
        <CardDescription>Newest first · page {page}</CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        {usage.recent.length === 0 ? (
          <EmptyState
            icon={<ScrollText className="size-5" aria-hidden />}
            title="No requests logged"
            description="Requests made with this key through /proxy appear here within a few seconds."
          />
        ) : (
          // Fixed layout: the columns keep their widths from page to page whatever the paths are. On a
          // phone the time and method join the path in one stacked cell, so latency fits beside it.
          <Table aria-label="Recent requests" className="table-fixed">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="hidden sm:table-cell sm:w-44">Time</TableHead>
                <TableHead className="hidden sm:table-cell sm:w-24">Method</TableHead>
                <TableHead className="pl-6 sm:pl-3">
                  <span className="sm:hidden">Request</span>
                  <span className="hidden sm:inline">Path</span>
                </TableHead>
                <TableHead className="w-20 sm:w-24">Status</TableHead>
                <TableHead className="w-24 text-right sm:w-28">Latency</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {usage.recent.map((log) => (
                <TableRow key={log.id} data-testid="log-row">
                  <TableCell className="hidden text-muted-foreground tabular-nums sm:table-cell">
                    <time dateTime={log.timestamp} title={formatDateTime(log.timestamp)}>
                      {formatLogTime(log.timestamp)}
                    </time>
                  </TableCell>
                  <TableCell className="hidden font-mono text-xs sm:table-cell">{log.method}</TableCell>
                  <TableCell className="truncate pl-6 font-mono text-xs sm:pl-3" title={`${log.method} ${log.path}`}>
                    <span className="sm:hidden">{log.method} </span>
                    {log.path}
                    <time
                      dateTime={log.timestamp}
                      className="block font-sans text-muted-foreground tabular-nums sm:hidden"
                    >
                      {formatLogTime(log.timestamp)}
                    </time>
                  </TableCell>
                  <TableCell>
                    <Badge variant={statusVariant(log.statusCode)} className="font-mono">
                      {log.statusCode}
                    </Badge>
                  </TableCell>
                  <TableCell className="text-right tabular-nums" data-testid="log-latency">
                    {formatLatency(log.latencyMs)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
      {(onNewer || onOlder) && (
        <CardFooter className="justify-end gap-2 border-t pt-4">
          <Button variant="outline" size="sm" onClick={onNewer ?? undefined} disabled={!onNewer}>
            <ChevronLeft aria-hidden /> Newer
          </Button>
          <Button variant="outline" size="sm" onClick={onOlder ?? undefined} disabled={!onOlder}>
            Older <ChevronRight aria-hidden />
          </Button>
        </CardFooter>
      )}
    </Card>
  );
}
