'use client';

import type { ApiKey } from '@gateway/shared';
import Link from 'next/link';
import { Skeleton } from '@/components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime, formatLimit, formatRelative } from '@/lib/format';
import { KeyActions, KeyToggle } from '../../../keys/_components/key-actions';
import { KeyExpiry, KeyExpiryItem, KeyStatusBadge } from '../../../keys/_components/key-status-badge';

interface AdminKeysListProps {
  keys: ApiKey[];
  owners: ReadonlyMap<string, string | null>;
  onToggle(key: ApiKey, active: boolean): void;
  onEdit(key: ApiKey): void;
  onDelete(key: ApiKey): void;
  onRoll?(key: ApiKey): void;
}

function Owner({ userId, owners }: { userId: string; owners: ReadonlyMap<string, string | null> }) {
  const email = owners.get(userId);
  return (
    <Link
      href={`/admin/users/${userId}`}
      prefetch={false} // a page of 50 rows would otherwise prefetch 50 pages
      className="block truncate rounded-sm underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
      data-testid="key-owner"
    >
      {email === undefined ? (
        <Skeleton className="inline-block h-4 w-32 align-middle" />
      ) : (
        (email ?? <span className="font-mono text-xs">{userId.slice(0, 8)}…</span>)
      )}
    </Link>
  );
}

function LastUsed({ at }: { at: string | null }) {
  return at ? (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelative(at)}
    </time>
  ) : (
    <>Never</>
  );
}

/** Every key of the gateway with its owner: a table on wide screens, a stacked list on phones. */
export function AdminKeysList({ keys, owners, onToggle, onEdit, onDelete, onRoll }: AdminKeysListProps) {
  return (
    <>
      <div className="hidden md:block">
        <Table aria-label="Keys">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Key</TableHead>
              <TableHead>Owner</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Limits</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead className="hidden 2xl:table-cell">Created</TableHead>
              <TableHead className="hidden lg:table-cell">Last used</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.map((key) => (
              <TableRow key={key.id} data-testid="key-row" data-key-id={key.id}>
                <TableCell className="max-w-56">
                  <div className="grid min-w-0 gap-0.5">
                    <Link
                      href={`/keys/${key.id}`}
                      prefetch={false}
                      title={key.name}
                      className="truncate rounded-sm font-medium underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
                    >
                      {key.name}
                    </Link>
                    <code className="font-mono text-xs text-muted-foreground">{key.start}…</code>
                  </div>
                </TableCell>
                <TableCell className="max-w-56">
                  <Owner userId={key.userId} owners={owners} />
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
                <TableCell className="hidden text-muted-foreground 2xl:table-cell">
                  {formatDateTime(key.createdAt)}
                </TableCell>
                <TableCell className="hidden text-muted-foreground lg:table-cell">
                  <LastUsed at={key.lastUsedAt} />
                </TableCell>
                <TableCell>
                  <KeyActions apiKey={key} onEdit={onEdit} onDelete={onDelete} onRoll={onRoll} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <ul className="divide-y border-t md:hidden">
        {keys.map((key) => (
          <li key={key.id} className="grid grid-cols-[minmax(0,1fr)] gap-3 px-6 py-4" data-testid="key-card">
            <div className="flex items-start justify-between gap-3">
              <div className="grid min-w-0 gap-1">
                <Link
                  href={`/keys/${key.id}`}
                  prefetch={false}
                  title={key.name}
                  className="truncate font-medium underline-offset-4 hover:underline"
                >
                  {key.name}
                </Link>
                <code className="w-fit rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{key.start}…</code>
              </div>
              <KeyStatusBadge apiKey={key} />
            </div>
            <dl className="grid grid-cols-2 gap-2 text-sm">
              <div className="col-span-2 min-w-0">
                <dt className="text-xs text-muted-foreground">Owner</dt>
                <dd className="min-w-0">
                  <Owner userId={key.userId} owners={owners} />
                </dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Limits</dt>
                <dd className="tabular-nums">
                  {formatLimit(key.limitPerMinute)}/min · {formatLimit(key.limitPerDay)}/day
                </dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Last used</dt>
                <dd>
                  <LastUsed at={key.lastUsedAt} />
                </dd>
              </div>
              <KeyExpiryItem apiKey={key} />
            </dl>
            <div className="flex items-center justify-between">
              <KeyToggle apiKey={key} onToggle={onToggle} />
              <KeyActions apiKey={key} onEdit={onEdit} onDelete={onDelete} onRoll={onRoll} />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
