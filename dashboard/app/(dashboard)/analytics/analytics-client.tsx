'use client';

import type { UsageGroup } from '@gateway/shared';
import { ArrowLeft, RefreshCw, ScrollText, SearchX } from 'lucide-react';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
import { ApiErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { SegmentedControl } from '@/components/ui/segmented-control';
import type { ApiError } from '@/lib/api-error';
import { useResource } from '@/lib/use-resource';
import { cn } from '@/lib/utils';
import { OVERVIEW_RANGE_OPTIONS, OVERVIEW_RANGES, overviewWindow } from '../admin/_components/overview-range';
import { PageHeader } from '../admin/_components/page-header';
import { RequestsChart } from '../keys/[id]/_components/requests-chart';
import { StatusClasses } from '../keys/[id]/_components/status-classes';
import { USAGE_REFRESH_MS } from '../keys/[id]/_components/usage-range';
import { UsageSkeleton } from '../keys/[id]/_components/usage-skeleton';
import {
  type AnalyticsState,
  FILTER_OF,
  type FilterName,
  groupingsFor,
  searchOf,
  stateFromSearch,
  withFilter,
} from './_components/analytics-query';
import { AnalyticsStats } from './_components/analytics-stats';
import { Breakdown } from './_components/breakdown';
import { ExportMenu } from './_components/export-menu';
import { FilterChips } from './_components/filter-chips';
import { RequestLogSection } from './_components/request-log-section';

/**
 * Traffic within a range and filters: admins see every key, users their own (the gateway scopes it;
 * the page only hides what a role cannot use). All state lives in the URL.
 */
export function AnalyticsClient() {
  const gateway = useGateway();
  const { role } = useSession();
  const admin = role === 'admin';
  const state = stateFromSearch(useSearchParams(), admin);
  const { range, groupBy, view, filters } = state;
  // The page's Refresh also restarts the request log from the newest request.
  const [version, setVersion] = useState(0);

  // Each (auto-)refresh asks for the window ending now; SWR pauses while the tab is hidden.
  const usage = useResource(
    `analytics:${range}:${groupBy}:${JSON.stringify(filters)}`,
    () => gateway.getAnalytics({ ...overviewWindow(range), groupBy, ...filters }),
    { keepPreviousData: true, refreshInterval: USAGE_REFRESH_MS },
  );
  const keyName = useResource(filters.keyId ? `key:${filters.keyId}` : null, () => gateway.getKey(filters.keyId ?? ''))
    .data?.name;
  const userEmail = useResource(admin && filters.userId ? `user:${filters.userId}` : null, () =>
    gateway.getUser(filters.userId ?? ''),
  ).data?.email;

  /** A new entry in the browser's history: the back button undoes each click (a click changing nothing adds none). */
  function show(next: AnalyticsState) {
    const search = searchOf(next);
    if (search !== searchOf(state)) history.pushState(null, '', `/analytics${search}`);
  }
  const pick = (group: UsageGroup) => show(withFilter(state, FILTER_OF[groupBy], group.value));
  const remove = (name: FilterName) => show(withFilter(state, name, undefined));

  function refresh() {
    void usage.reload();
    setVersion((v) => v + 1);
  }

  const switching = usage.loading;
  const busy = switching || usage.refreshing;
  const filtered = Object.keys(filters).length > 0;
  const title = OVERVIEW_RANGES[range].title;

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Analytics"
        description={admin ? 'Traffic through the gateway across every key.' : 'Traffic of your API keys.'}
        actions={
          <>
            <SegmentedControl
              legend="Time range"
              options={OVERVIEW_RANGE_OPTIONS}
              value={range}
              onChange={(next) => show({ ...state, range: next })}
            />
            <ExportMenu window={usage.data ?? overviewWindow(range)} filters={filters} groupBy={groupBy} />
            <Button variant="outline" size="sm" onClick={refresh} disabled={switching}>
              <RefreshCw className={cn(busy && 'animate-spin')} aria-hidden />
              Refresh
            </Button>
          </>
        }
      />
      <FilterChips
        filters={filters}
        names={{ keyId: keyName, userId: userEmail }}
        onRemove={remove}
        onClear={() => show({ ...state, filters: {} })}
      />

      {usage.error && tooBroad(usage.error) ? (
        // A question the gateway will not answer as asked (a path breakdown or filter over a window with
        // more raw requests than USAGE_MAX_RAW_SCAN_ROWS): say why and offer one it can answer.
        <TooBroad
          message={usage.error.fieldErrors[0]?.message ?? usage.error.message}
          onByKey={groupBy === 'path' ? () => show({ ...state, groupBy: 'key' }) : undefined}
          onDropPath={filters.pathPrefix !== undefined ? () => remove('pathPrefix') : undefined}
          onClearFilters={filtered ? () => show({ ...state, filters: {} }) : undefined}
        />
      ) : usage.error && !usage.data ? (
        <ApiErrorState error={usage.error} what="analytics" onRetry={() => void usage.reload()} />
      ) : !usage.data ? (
        <UsageSkeleton />
      ) : (
        <div className={cn('flex flex-col gap-6 transition-opacity', switching && 'opacity-60')} aria-busy={switching}>
          {usage.error && <ApiErrorState error={usage.error} what="fresh numbers" onRetry={refresh} />}
          <AnalyticsStats usage={usage.data} />
          <div className="grid gap-6 lg:grid-cols-3">
            <RequestsChart usage={usage.data} title={title} className="lg:col-span-2" />
            <StatusClasses usage={usage.data} />
          </div>
          {view === 'requests' ? (
            <RequestLogSection
              range={range}
              filters={filters}
              version={version}
              admin={admin}
              title={title}
              actions={
                <Button variant="outline" size="sm" onClick={() => show({ ...state, view: 'breakdown' })}>
                  <ArrowLeft aria-hidden />
                  Breakdown
                </Button>
              }
            />
          ) : (
            <Breakdown
              usage={usage.data}
              groupings={groupingsFor(admin)}
              groupBy={groupBy}
              filtered={filtered}
              onGroupBy={(next) => show({ ...state, groupBy: next })}
              onPick={pick}
              onViewRequests={(group) =>
                show({ ...withFilter(state, FILTER_OF[groupBy], group.value), view: 'requests' })
              }
              actions={
                <Button variant="outline" size="sm" onClick={() => show({ ...state, view: 'requests' })}>
                  <ScrollText aria-hidden />
                  View requests
                </Button>
              }
            />
          )}
        </div>
      )}
    </div>
  );
}

/**
 * The gateway's refusal of a question that would read more raw requests than it allows (400, its
 * reason on `from`; e2e/analytics-bounds.spec.ts holds the wording). Other 400s — a malformed filter —
 * keep the usual error state.
 */
function tooBroad(error: ApiError): boolean {
  return error.status === 400 && error.fieldErrors.some((e) => e.message.includes('read every request of the window'));
}

/** The window holds too many requests for this question: the gateway's reason, and questions it can answer. */
function TooBroad({
  message,
  onByKey,
  onDropPath,
  onClearFilters,
}: {
  message: string;
  onByKey: (() => void) | undefined;
  onDropPath: (() => void) | undefined;
  onClearFilters: (() => void) | undefined;
}) {
  return (
    <section
      aria-labelledby="too-broad-title"
      className="flex flex-col items-center gap-3 rounded-xl border border-dashed px-6 py-12 text-center"
    >
      <div className="flex size-11 items-center justify-center rounded-full bg-muted text-muted-foreground">
        <SearchX className="size-5" aria-hidden />
      </div>
      <h2 id="too-broad-title" className="text-base font-semibold">
        Too many requests to read one by one
      </h2>
      <p className="max-w-md text-sm text-muted-foreground">
        Paths are not rolled up, so this question reads every request in the window, and this window holds more than the
        gateway reads for one question. Choose a shorter window above, or:
      </p>
      <p className="max-w-md font-mono text-xs text-muted-foreground" data-testid="too-broad-reason">
        {message}
      </p>
      <div className="mt-1 flex flex-wrap justify-center gap-2">
        {onByKey && (
          <Button variant="outline" size="sm" onClick={onByKey}>
            Break down by key
          </Button>
        )}
        {onDropPath ? (
          <Button variant="outline" size="sm" onClick={onDropPath}>
            Remove the path filter
          </Button>
        ) : (
          onClearFilters && (
            <Button variant="outline" size="sm" onClick={onClearFilters}>
              Clear filters
            </Button>
          )
        )}
      </div>
    </section>
  );
}
