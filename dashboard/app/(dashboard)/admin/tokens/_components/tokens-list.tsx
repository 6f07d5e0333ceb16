'use client';

import type { ApiToken } from '@gateway/shared';
import { Ban } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatDateTime, formatRelative } from '@/lib/format';
import { cn } from '@/lib/utils';
import { ScopeBadge, TokenStatusBadge, tokenStatus } from './token-status';

interface TokensListProps {
  tokens: ApiToken[];
  onRevoke(token: ApiToken): void;
}

function When({ at, empty }: { at: string | null; empty: string }): ReactNode {
  return at ? (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelative(at)}
    </time>
  ) : (
    empty
  );
}

function RevokeButton({ token, onRevoke }: { token: ApiToken; onRevoke(token: ApiToken): void }) {
  if (token.revokedAt) return null;
  return (
    <Button
      variant="ghost"
      size="sm"
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      onClick={() => onRevoke(token)}
      aria-label={`Revoke ${token.name}`}
    >
      <Ban aria-hidden /> Revoke
    </Button>
  );
}

/** Management API tokens: a table on wide screens, a stacked list on phones; revoked ones fade. */
export function TokensList({ tokens, onRevoke }: TokensListProps) {
  return (
    <>
      <div className="hidden md:block">
        <Table aria-label="API tokens">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Name</TableHead>
              <TableHead>Scope</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="hidden lg:table-cell">Created</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {tokens.map((token) => (
              <TableRow
                key={token.id}
                data-testid="token-row"
                data-token-id={token.id}
                className={cn(tokenStatus(token) !== 'active' && 'text-muted-foreground')}
              >
                <TableCell className="max-w-56">
                  <div className="grid min-w-0 gap-0.5">
                    <span className="truncate font-medium">{token.name}</span>
                    <code className="font-mono text-xs text-muted-foreground">{token.start}…</code>
                  </div>
                </TableCell>
                <TableCell>
                  <ScopeBadge scope={token.scope} />
                </TableCell>
                <TableCell>
                  <div className="grid gap-0.5">
                    <TokenStatusBadge token={token} />
                    {token.revokedAt && (
                      <span className="text-xs text-muted-foreground">
                        <When at={token.revokedAt} empty="" />
                      </span>
                    )}
                  </div>
                </TableCell>
                <TableCell className="hidden text-muted-foreground lg:table-cell">
                  {formatDateTime(token.createdAt)}
                </TableCell>
                <TableCell className="text-muted-foreground" data-testid="token-expires">
                  {token.expiresAt ? formatDateTime(token.expiresAt) : 'Never'}
                </TableCell>
                <TableCell className="text-muted-foreground" data-testid="token-last-used">
                  <When at={token.lastUsedAt} empty="Never" />
                </TableCell>
                <TableCell className="text-right">
                  <RevokeButton token={token} onRevoke={onRevoke} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <ul className="divide-y border-t md:hidden">
        {tokens.map((token) => (
          <li key={token.id} className="grid grid-cols-[minmax(0,1fr)] gap-3 px-6 py-4" data-testid="token-card">
            <div className="flex items-start justify-between gap-3">
              <div className="grid min-w-0 gap-1">
                <span className="truncate font-medium">{token.name}</span>
                <span className="flex items-center gap-2">
                  <code className="w-fit rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{token.start}…</code>
                  <ScopeBadge scope={token.scope} />
                </span>
              </div>
              <TokenStatusBadge token={token} />
            </div>
            <dl className="grid grid-cols-3 gap-2 text-sm">
              <div>
                <dt className="text-xs text-muted-foreground">Created</dt>
                <dd>{formatRelative(token.createdAt)}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">{token.revokedAt ? 'Revoked' : 'Expires'}</dt>
                <dd>
                  {token.revokedAt ? (
                    <When at={token.revokedAt} empty="" />
                  ) : token.expiresAt ? (
                    formatDateTime(token.expiresAt)
                  ) : (
                    'Never'
                  )}
                </dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Last used</dt>
                <dd>
                  <When at={token.lastUsedAt} empty="Never" />
                </dd>
              </div>
            </dl>
            {!token.revokedAt && (
              <div className="-mx-2.5">
                <RevokeButton token={token} onRevoke={onRevoke} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
