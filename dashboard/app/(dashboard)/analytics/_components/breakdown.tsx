'use client';

import type { UsageAnalyticsResponse, UsageGroup, UsageGroupBy } from '@gateway/shared';
import { ListFilter, ScrollText, SearchX } from 'lucide-react';
import type { ReactNode } from 'react';
import { EmptyState } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatLatency, formatNumber, formatPercent } from '@/lib/format';
import { cn } from '@/lib/utils';
import { statusVariant } from '../../keys/[id]/_components/recent-logs';

export const GROUP_LABELS: Record<UsageGroupBy, { tab: string; column: string }> = {
  key: { tab: 'Key', column: 'Key' },
  user: { tab: 'User', column: 'User' },
  route: { tab: 'Route', column: 'Route' },
  path: { tab: 'Path', column: 'Path' },
  status: { tab: 'Status', column: 'Status' },
  method: { tab: 'Method', column: 'Method' },
};

function GroupName({ groupBy, group }: { groupBy: UsageGroupBy; group: UsageGroup }) {
  if (groupBy === 'status') {
    return (
      <Badge variant={statusVariant(Number(group.value))} className="font-mono">
        {group.value}
      </Badge>
    );
  }
  if (groupBy === 'path' || groupBy === 'method') return <span className="font-mono text-xs">{group.value}</span>;
  return <span className="font-medium">{group.label ?? group.value}</span>;
}

interface BreakdownProps {
  usage: UsageAnalyticsResponse;
  groupings: readonly UsageGroupBy[];
  groupBy: UsageGroupBy;
  /** True when a filter narrows the numbers (the empty state then suggests removing one). */
  filtered: boolean;
  onGroupBy(groupBy: UsageGroupBy): void;
  /** Narrows the page to this group. */
  onPick(group: UsageGroup): void;
  /** Narrows the page to this group and opens its request log. */
  onViewRequests(group: UsageGroup): void;
  actions?: ReactNode;
}

/** The top groups of the current breakdown, and "Other" for the rest; a row narrows the page to it. */
export function Breakdown({
  usage,
  groupings,
  groupBy,
  filtered,
  onGroupBy,
  onPick,
  onViewRequests,
  actions,
}: BreakdownProps) {
  const total = usage.totals.requests;
  const options = groupings.map((g) => ({ value: g, label: GROUP_LABELS[g].tab }));
  return (
    <Card className="gap-4" data-testid="breakdown">
      <CardHeader className="gap-3">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div className="grid gap-1.5">
            <CardTitle>Breakdown</CardTitle>
            <CardDescription>Click a row to narrow the page to it.</CardDescription>
          </div>
          {actions}
        </div>
        {/* Six tabs do not fit a phone: they scroll sideways inside the card. */}
        <div className="-mx-6 overflow-x-auto px-6">
          <SegmentedControl legend="Group by" options={options} value={groupBy} onChange={onGroupBy} />
        </div>
      </CardHeader>
      <CardContent className="px-0">
        {usage.groups.length === 0 ? (
          <EmptyState
            icon={<SearchX className="size-5" aria-hidden />}
            title={filtered ? 'No requests match' : 'No requests in this period'}
            description={
              filtered
                ? 'Widen the time range or remove a filter.'
                : 'Requests made through /proxy appear here within a few seconds.'
            }
          />
        ) : (
          <Table aria-label={`Requests by ${GROUP_LABELS[groupBy].column.toLowerCase()}`} className="table-fixed">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>{GROUP_LABELS[groupBy].column}</TableHead>
                <TableHead className="w-24 text-right sm:w-28">Requests</TableHead>
                <TableHead className="hidden w-20 text-right sm:table-cell">Share</TableHead>
                <TableHead className="w-20 text-right sm:w-24">Errors</TableHead>
                <TableHead className="hidden w-20 text-right md:table-cell">429</TableHead>
                <TableHead className="hidden w-24 text-right md:table-cell">p95</TableHead>
                <TableHead className="w-14 sm:w-16">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {usage.groups.map((group) => (
                <TableRow
                  key={group.value}
                  data-testid="group-row"
                  data-value={group.value}
                  className="cursor-pointer"
                  onClick={() => onPick(group)}
                >
                  <TableCell className="truncate">
                    {/* The row is clickable; this button is the same action for the keyboard and screen readers. */}
                    <button
                      type="button"
                      className="max-w-full truncate rounded-sm text-left outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
                      title={group.label ? `${group.label} (${group.value})` : group.value}
                      onClick={(event) => {
                        event.stopPropagation();
                        onPick(group);
                      }}
                    >
                      <GroupName groupBy={groupBy} group={group} />
                    </button>
                  </TableCell>
                  <TableCell className="text-right tabular-nums" data-testid="group-requests">
                    {formatNumber(group.requests)}
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums text-muted-foreground sm:table-cell">
                    {formatPercent(group.requests, total) ?? '–'}
                  </TableCell>
                  <TableCell
                    className={cn('text-right tabular-nums', group.errors > 0 && 'text-destructive')}
                    data-testid="group-errors"
                  >
                    {formatNumber(group.errors)}
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums md:table-cell" data-testid="group-429">
                    {formatNumber(group.rateLimited)}
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums md:table-cell">
                    {formatLatency(group.latencyMs.p95)}
                  </TableCell>
                  <TableCell className="pl-0 text-right">
                    <Button
                      variant="ghost"
                      size="icon"
                      className="size-8"
                      title="View requests"
                      onClick={(event) => {
                        event.stopPropagation();
                        onViewRequests(group);
                      }}
                    >
                      <ScrollText aria-hidden />
                      <span className="sr-only">View requests of {group.label ?? group.value}</span>
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
              {usage.other && (
                <TableRow className="text-muted-foreground hover:bg-transparent" data-testid="group-other">
                  <TableCell className="truncate">
                    <ListFilter className="mr-1.5 inline size-3.5" aria-hidden />
                    Other ({formatNumber(usage.other.groups)})
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(usage.other.requests)}</TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">
                    {formatPercent(usage.other.requests, total) ?? '–'}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(usage.other.errors)}</TableCell>
                  <TableCell className="hidden text-right tabular-nums md:table-cell">
                    {formatNumber(usage.other.rateLimited)}
                  </TableCell>
                  <TableCell className="hidden md:table-cell" />
                  <TableCell />
                </TableRow>
              )}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
