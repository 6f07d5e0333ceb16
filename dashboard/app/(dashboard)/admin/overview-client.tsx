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
  const [span, setSpan] = useState(() => overviewWindow(initialRange));
  const overview = useResource(`overview:${span.from}:${span.to}`, () => gateway.getOverview(span));
  const busy = overview.loading || overview.refreshing;

  function refresh(nextRange: OverviewRange = range) {
    setRange(nextRange);
    setSpan(overviewWindow(nextRange));
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
            <Button variant="outline" size="sm" onClick={() => refresh()} disabled={busy}>
              <RefreshCw className={cn(busy && 'animate-spin')} aria-hidden />
              Refresh
            </Button>
          </>
        }
      />
      {overview.error && !overview.data ? (
        <ApiErrorState
          error={overview.error}
          what="the overview"
          onRetry={() => void overview.reload()}
        />
      ) : !overview.data ? (
        <UsageSkeleton />
      ) : (
        <div className={cn('flex flex-col gap-6 transition-opacity', busy && 'opacity-60')} aria-busy={busy}>
          {overview.error && (
            <ApiErrorState
              error={overview.error}
              what="fresh numbers"
              onRetry={() => refresh()}
            />
          )}
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
