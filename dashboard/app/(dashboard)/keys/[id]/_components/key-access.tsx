'use client';

import type { ApiKey } from '@gateway/shared';
import { ShieldCheck } from 'lucide-react';
import Link from 'next/link';
import { useGateway } from '@/components/gateway-provider';
import { useHasRole } from '@/components/require-role';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { formatNumber } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { effectiveWindows, perUnit } from './effective-limits';

const SOURCE_LABELS = { plan: 'Plan', override: "Key's override", key: 'Key' } as const;

/** A key's plan, the windows its requests count in, and what it may call from where. */
export function KeyAccess({ apiKey }: { apiKey: ApiKey }) {
  const gateway = useGateway();
  const isAdmin = useHasRole('admin');
  // Plans are readable by admins only; a consumer sees that the key has one and its own overrides.
  const plan = useResource(isAdmin && apiKey.planId ? `plan:${apiKey.planId}` : null, () =>
    gateway.getPlan(apiKey.planId ?? ''),
  );
  const settings = useResource(apiKey.planId ? null : 'settings', () => gateway.getSettings());
  // What every window has left right now (read-only on the gateway: nothing is counted), refreshed
  // while the page is open. Consumers, who cannot read plans, get their plan's windows from it too.
  const limits = useResource(`key-limits:${apiKey.id}`, () => gateway.getKeyLimits(apiKey.id), {
    refreshInterval: 5_000,
  });
  const windows =
    effectiveWindows(apiKey, plan.data ?? null, settings.data?.keyDefaults ?? null) ??
    (limits.data?.windows.map((w) => {
      const own =
        w.scope === 'key' &&
        (w.unit === 'minute' ? apiKey.limitPerMinute : w.unit === 'day' ? apiKey.limitPerDay : null);
      return { ...w, source: own !== null && own !== undefined ? ('override' as const) : ('plan' as const) };
    }) ||
      null);
  const remainingOf = (unit: string, scope: string) =>
    limits.data?.windows.find((w) => w.unit === unit && w.scope === scope);
  const planName = plan.data?.name ?? limits.data?.plan?.name;

  return (
    <Card data-testid="key-access">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <ShieldCheck className="size-4" aria-hidden /> Access and limits
        </CardTitle>
        <CardDescription>
          {apiKey.planId ? (
            <span data-testid="key-plan">
              Plan:{' '}
              {plan.data ? (
                <Link
                  href={`/admin/plans#plan-${plan.data.id}`}
                  className="font-medium text-foreground underline underline-offset-4"
                >
                  {plan.data.name}
                </Link>
              ) : planName ? (
                <span className="font-medium text-foreground">{planName}</span>
              ) : (
                '…'
              )}
              {(plan.data ?? limits.data?.plan) && ` (time zone ${(plan.data ?? limits.data?.plan)?.timeZone})`}
            </span>
          ) : (
            <span data-testid="key-plan">No plan: the key's own limits apply.</span>
          )}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <section className="grid gap-2" aria-labelledby="limits-heading">
          <h2 id="limits-heading" className="text-sm font-medium">
            Limits
          </h2>
          {windows ? (
            <Table data-testid="effective-limits">
              <TableHeader>
                <TableRow>
                  <TableHead>Window</TableHead>
                  <TableHead className="text-right">Limit</TableHead>
                  <TableHead className="text-right">Left now</TableHead>
                  <TableHead className="hidden sm:table-cell">Counts</TableHead>
                  <TableHead className="hidden sm:table-cell">From</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {windows.map((w) => (
                  <TableRow key={`${w.scope}:${w.unit}`} data-testid="limit-row" data-window={`${w.scope}:${w.unit}`}>
                    <TableCell className="whitespace-nowrap">
                      {perUnit(w.unit)}
                      {w.scope === 'owner' && <span className="text-muted-foreground sm:hidden"> · all keys</span>}
                      {w.shadow && (
                        <Badge variant="secondary" className="ml-2" title="Counted and reported, never enforced">
                          Shadow
                        </Badge>
                      )}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(w.limit)}</TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="limit-remaining">
                      {(() => {
                        const now = remainingOf(w.unit, w.scope);
                        return now ? (
                          <span title={`resets in ${now.reset} s`}>{formatNumber(now.remaining)}</span>
                        ) : (
                          '…'
                        );
                      })()}
                    </TableCell>
                    <TableCell className="hidden sm:table-cell">
                      {w.scope === 'owner' ? "All of the owner's keys" : 'This key'}
                    </TableCell>
                    <TableCell className="hidden text-muted-foreground sm:table-cell">
                      {SOURCE_LABELS[w.source]}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : apiKey.planId && !isAdmin ? (
            <p className="text-sm text-muted-foreground" data-testid="effective-limits">
              The plan's windows apply
              {apiKey.limitPerMinute !== null && `; this key: ${formatNumber(apiKey.limitPerMinute)} per minute`}
              {apiKey.limitPerDay !== null && `; this key: ${formatNumber(apiKey.limitPerDay)} per day`}. Ask an
              administrator for the plan's details.
            </p>
          ) : plan.error || settings.error ? (
            <p className="text-sm text-destructive">
              Could not load the limits: {(plan.error ?? settings.error)?.message}
            </p>
          ) : (
            <Skeleton className="h-24 w-full" />
          )}
        </section>
        <div className="grid gap-6 sm:grid-cols-2">
          <section className="grid content-start gap-2" aria-labelledby="scopes-heading">
            <h2 id="scopes-heading" className="text-sm font-medium">
              Routes it may call
            </h2>
            {apiKey.scopes === null ? (
              <p className="text-sm text-muted-foreground" data-testid="key-scopes">
                Every route, every method
              </p>
            ) : (
              <ul className="grid gap-1 text-sm" data-testid="key-scopes">
                {apiKey.scopes.map((scope) => (
                  <li key={scope.route}>
                    <code className="font-mono text-xs">{scope.route}</code>{' '}
                    <span className="text-muted-foreground">{scope.methods?.join(', ') ?? 'every method'}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="grid content-start gap-2" aria-labelledby="ips-heading">
            <h2 id="ips-heading" className="text-sm font-medium">
              Client addresses
            </h2>
            {apiKey.allowedIps === null ? (
              <p className="text-sm text-muted-foreground" data-testid="key-allowed-ips">
                Any address
              </p>
            ) : (
              <ul className="grid gap-1 text-sm" data-testid="key-allowed-ips">
                {apiKey.allowedIps.map((ip) => (
                  <li key={ip}>
                    <code className="font-mono text-xs">{ip}</code>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
        {apiKey.restrictedByAdmin && (
          <p className="text-xs text-muted-foreground" data-testid="restricted-by-admin">
            An administrator set these restrictions: the key's owner may narrow them, not widen or clear them.
          </p>
        )}
      </CardContent>
    </Card>
  );
}
