'use client';

import { type ApiKey, DEFAULT_USAGE_PAGE } from '@gateway/shared';
import { ArrowLeft, Pencil, RefreshCw, RotateCw } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState, ErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { formatLimit } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { cn } from '@/lib/utils';
import type { ConsumerCaps } from '../_components/caps';
import { EditKeyDialog } from '../_components/edit-key-dialog';
import { KeyExpiry, KeyStatusBadge } from '../_components/key-status-badge';
import { RollKeyDialog } from '../_components/roll-key-dialog';
import { KeyAccess } from './_components/key-access';
import { PreviousSecret } from './_components/previous-secret';
import { UsageRangePicker } from './_components/range-picker';
import { RecentLogs } from './_components/recent-logs';
import { RequestsChart } from './_components/requests-chart';
import { StatusClasses } from './_components/status-classes';
import {
  USAGE_RANGES,
  USAGE_REFRESH_MS,
  type UsageRange,
  type UsageWindow,
  windowFor,
} from './_components/usage-range';
import { UsageSkeleton } from './_components/usage-skeleton';
import { UsageStats } from './_components/usage-stats';

/** Older log pages: the window their cursors belong to, and the cursors of the pages visited. */
interface Paging {
  window: UsageWindow;
  cursors: string[];
}

export function UsageClient({ keyId, initialRange }: { keyId: string; initialRange: UsageRange }) {
  const gateway = useGateway();
  const [range, setRange] = useState(initialRange);
  // Null on the newest page, which follows the clock: each (auto-)refresh asks for the latest window.
  const [paging, setPaging] = useState<Paging | null>(null);
  const cursor = paging?.cursors.at(-1);

  const key = useResource(`key:${keyId}`, () => gateway.getKey(keyId));
  const { role } = useSession();
  const settings = useResource(role === 'user' ? 'settings' : null, () => gateway.getSettings());
  const caps: ConsumerCaps = role === 'user' ? (settings.data ?? null) : null;
  const [rolling, setRolling] = useState(false);
  const [editing, setEditing] = useState(false);
  const replaceKey = (updated: ApiKey) => key.setData(() => updated);
  const usage = useResource(
    paging ? `usage:${keyId}:${range}:${paging.window.to}:${cursor}` : `usage:${keyId}:${range}`,
    () => gateway.getUsage(keyId, { ...(paging?.window ?? windowFor(range)), cursor, limit: DEFAULT_USAGE_PAGE }),
    { keepPreviousData: true, refreshInterval: paging ? 0 : USAGE_REFRESH_MS },
  );

  function refresh(nextRange: UsageRange = range) {
    setRange(nextRange);
    setPaging(null);
    void key.reload();
    if (nextRange === range && !paging) void usage.reload();
    // Keep the range in the URL (shareable, survives reload) without a navigation.
    history.replaceState(null, '', `?range=${nextRange}`);
  }

  function older(nextCursor: string) {
    setPaging((current) => ({
      window: current?.window ?? {
        from: usage.data?.from ?? '',
        to: usage.data?.to ?? '',
        bucketSeconds: USAGE_RANGES[range].bucketSeconds,
      },
      cursors: [...(current?.cursors ?? []), nextCursor],
    }));
  }

  // A new range dims the old numbers; the background refresh only turns the icon.
  const switching = usage.loading;
  const busy = switching || usage.refreshing;

  if (key.error?.isNotFound) {
    // Nothing to retry: the link back is the way on (issue 16).
    return (
      <ErrorState
        title="Key not found"
        description={
          <p>
            No key has this address: it was deleted, belongs to another account, or the link is incomplete.{' '}
            <Link href="/keys" className="font-medium text-foreground underline underline-offset-4">
              Back to API keys
            </Link>
          </p>
        }
        className="mt-8"
      />
    );
  }

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4">
        <Link
          href="/keys"
          className="flex w-fit items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
        >
          <ArrowLeft className="size-4" aria-hidden /> API keys
        </Link>
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div className="grid min-w-0 gap-1.5">
            <h1 className="text-2xl font-semibold tracking-tight wrap-anywhere">{key.data?.name ?? 'Usage'}</h1>
            <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
              {key.data && (
                <>
                  <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{key.data.start}…</code>
                  <KeyStatusBadge apiKey={key.data} />
                  <span className="tabular-nums">
                    {formatLimit(key.data.limitPerMinute)}/min · {formatLimit(key.data.limitPerDay)}/day
                  </span>
                  <span>
                    Expires: <KeyExpiry apiKey={key.data} />
                  </span>
                </>
              )}
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            {key.data && (
              <>
                <Button variant="outline" size="sm" onClick={() => setRolling(true)}>
                  <RotateCw aria-hidden />
                  Roll key
                </Button>
                <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
                  <Pencil aria-hidden />
                  Edit
                </Button>
              </>
            )}
            <UsageRangePicker value={range} onChange={refresh} />
            <Button variant="outline" size="sm" onClick={() => refresh()} disabled={switching}>
              <RefreshCw className={cn(busy && 'animate-spin')} aria-hidden />
              Refresh
            </Button>
          </div>
        </div>
      </div>

      {key.data && (
        <>
          <PreviousSecret apiKey={key.data} onChanged={replaceKey} />
          <KeyAccess apiKey={key.data} />
        </>
      )}
      <RollKeyDialog
        apiKey={rolling ? (key.data ?? null) : null}
        onClose={() => setRolling(false)}
        onRolled={replaceKey}
      />
      <EditKeyDialog
        apiKey={editing ? (key.data ?? null) : null}
        onClose={() => setEditing(false)}
        onSaved={replaceKey}
        caps={caps}
      />

      {usage.error && !usage.data ? (
        <ApiErrorState error={usage.error} what="usage" onRetry={() => void usage.reload()} />
      ) : !usage.data ? (
        <UsageSkeleton />
      ) : (
        <div className={cn('flex flex-col gap-6 transition-opacity', switching && 'opacity-60')} aria-busy={switching}>
          {usage.error && <ApiErrorState error={usage.error} what="fresh usage" onRetry={() => refresh()} />}
          <UsageStats usage={usage.data} />
          <div className="grid gap-6 lg:grid-cols-3">
            <RequestsChart usage={usage.data} title={USAGE_RANGES[range].title} className="lg:col-span-2" />
            <StatusClasses usage={usage.data} />
          </div>
          <RecentLogs
            usage={usage.data}
            page={1 + (paging?.cursors.length ?? 0)}
            onOlder={usage.data.nextCursor ? () => older(usage.data?.nextCursor ?? '') : null}
            onNewer={
              paging
                ? () => setPaging((p) => (p && p.cursors.length > 1 ? { ...p, cursors: p.cursors.slice(0, -1) } : null))
                : null
            }
          />
        </div>
      )}
    </div>
  );
}
