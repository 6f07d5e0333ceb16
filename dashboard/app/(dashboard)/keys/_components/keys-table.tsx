'use client';

import type { ApiKey } from '@gateway/shared';
import Link from 'next/link';
import { Skeleton } from '@/components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime, formatLimit, formatRelative } from '@/lib/format';
import { KeyActions, KeyToggle } from './key-actions';
import { KeyExpiry, KeyStatusBadge } from './key-status-badge';

export interface KeysViewProps {
  keys: ApiKey[];
  onToggle(key: ApiKey, active: boolean): void;
  onEdit(key: ApiKey): void;
  onDelete(key: ApiKey): void;
  onRoll?(key: ApiKey): void;
}

export function KeysTable({ keys, onToggle, onEdit, onDelete, onRoll }: KeysViewProps) {
  return (
    <Table>
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Limits</TableHead>
          <TableHead>Expires</TableHead>
          <TableHead className="hidden lg:table-cell">Created</TableHead>
          <TableHead className="hidden md:table-cell">Last used</TableHead>
          <TableHead className="text-right">
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {keys.map((key) => (
          <TableRow key={key.id} data-testid="key-row" data-key-id={key.id}>
            <TableCell className="max-w-48 truncate font-medium">
              <Link
                href={`/keys/${key.id}`}
                title={key.name}
                className="rounded-sm underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
              >
                {key.name}
              </Link>
            </TableCell>
            <TableCell>
              <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{key.start}…</code>
            </TableCell>
            <TableCell>
              <div className="flex items-center gap-3">
                <KeyToggle apiKey={key} onToggle={onToggle} />
                <KeyStatusBadge apiKey={key} />
              </div>
            </TableCell>
            <TableCell className="tabular-nums">
              <div>{formatLimit(key.limitPerMinute)}/min</div>
              <div className="text-xs text-muted-foreground">{formatLimit(key.limitPerDay)}/day</div>
            </TableCell>
            <TableCell className="text-muted-foreground">
              <KeyExpiry apiKey={key} />
            </TableCell>
            <TableCell className="hidden text-muted-foreground lg:table-cell">
              {formatDateTime(key.createdAt)}
            </TableCell>
            <TableCell className="hidden text-muted-foreground md:table-cell">
              {key.lastUsedAt ? (
                <time dateTime={key.lastUsedAt} title={formatDateTime(key.lastUsedAt)}>
                  {formatRelative(key.lastUsedAt)}
                </time>
              ) : (
                'Never'
              )}
            </TableCell>
            <TableCell>
              <KeyActions apiKey={key} onEdit={onEdit} onDelete={onDelete} onRoll={onRoll} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function KeysTableSkeleton() {
  return (
    <div className="grid gap-3 px-6 py-2" role="status" aria-label="Loading keys">
      {[0, 1, 2].map((row) => (
        <div key={row} className="flex items-center gap-4">
          <Skeleton className="h-5 w-32" />
          <Skeleton className="h-5 w-20" />
          <Skeleton className="h-5 w-16" />
          <Skeleton className="h-5 flex-1" />
        </div>
      ))}
    </div>
  );
}
