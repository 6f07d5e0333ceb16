'use client';

import { RefreshCw } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { useResource } from '@/lib/use-resource';
import { cn } from '@/lib/utils';
import { RequestsChart } from '../keys/[id]/_components/requests-chart';
import { StatusClasses } from '../keys/[id]/_components/status-classes';
import { USAGE_REFRESH_MS } from '../keys/[id]/_components/usage-range';
import { UsageSkeleton } from '../keys/[id]/_components/usage-skeleton';
import {
  OVERVIEW_RANGE_OPTIONS,
  OVERVIEW_RANGES,
  type OverviewRange,
  overviewWindow,
} from './_components/overview-range';
import { OverviewStats } from './_components/overview-stats';
import { PageHeader } from './_components/page-header';
import { TopKeys } from './_components/top-keys';

export function OverviewClient({ initialRange }: { initialRange: OverviewRange }) {
  const gateway = useGateway();
  const [range, setRange] = useState(initialRange);
  // Each (auto-)refresh asks for the window ending now.
  const overview = useResource(`overview:${range}`, () => gateway.getOverview(overviewWindow(range)), {
    keepPreviousData: true,
    refreshInterval: USAGE_REFRESH_MS,
  });
  // A new range dims the old numbers; the background refresh only turns the icon.
  const switching = overview.loading;
  const busy = switching || overview.refreshing;

  function refresh(nextRange: OverviewRange = range) {
    setRange(nextRange);
    if (nextRange === range) void overview.reload();
    history.replaceState(null, '', `?range=${nextRange}`);
  }

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Overview"
        description="Traffic through the gateway across every key."
        actions={
          <>
            <SegmentedControl legend="Time range" options={OVERVIEW_RANGE_OPTIONS} value={range} onChange={refresh} />
            <Button variant="outline" size="sm" onClick={() => refresh()} disabled={switching}>
              <RefreshCw className={cn(busy && 'animate-spin')} aria-hidden />
              Refresh
            </Button>
          </>
        }
      />
      {overview.error && !overview.data ? (
        <ApiErrorState error={overview.error} what="the overview" onRetry={() => void overview.reload()} />
      ) : !overview.data ? (
        <UsageSkeleton />
      ) : (
        <div className={cn('flex flex-col gap-6 transition-opacity', switching && 'opacity-60')} aria-busy={switching}>
          {overview.error && <ApiErrorState error={overview.error} what="fresh numbers" onRetry={() => refresh()} />}
          <OverviewStats overview={overview.data} />
          <div className="grid gap-6 lg:grid-cols-3">
            <RequestsChart usage={overview.data} title={OVERVIEW_RANGES[range].title} className="lg:col-span-2" />
            <StatusClasses usage={overview.data} />
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <TopKeys
              title="Top keys by requests"
              description="The busiest keys in this period"
              keys={overview.data.topKeysByRequests}
              testId="top-by-requests"
            />
            <TopKeys
              title="Top keys by errors"
              description="Keys whose requests were answered 4xx or 5xx most often"
              keys={overview.data.topKeysByErrors}
              testId="top-by-errors"
            />
          </div>
        </div>
      )}
    </div>
  );
}
