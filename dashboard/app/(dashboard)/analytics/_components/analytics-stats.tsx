import type { UsageAnalyticsResponse } from '@gateway/shared';
import { Activity, Ban, CircleAlert, KeyRound, Timer } from 'lucide-react';
import { Stat, StatDetail, StatValue } from '@/components/stat-card';
import { formatBytes, formatLatency, formatNumber, formatPercent } from '@/lib/format';

/** Totals within the filters: requests, error and 429 rates, active keys, then the latency percentiles. */
export function AnalyticsStats({ usage }: { usage: UsageAnalyticsResponse }) {
  const { totals, latencyMs, activeKeys } = usage;
  const errors = totals.byStatusClass['4xx'] + totals.byStatusClass['5xx'];
  return (
    <section aria-label="Summary" className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-6">
      <Stat label="Requests" icon={<Activity aria-hidden />}>
        <StatValue>{formatNumber(totals.requests)}</StatValue>
        <StatDetail>
          {formatBytes(totals.requestBytes)} in · {formatBytes(totals.responseBytes)} out
        </StatDetail>
      </Stat>
      <Stat label="Error rate" icon={<CircleAlert aria-hidden />}>
        <StatValue>{formatPercent(errors, totals.requests) ?? '–'}</StatValue>
        <StatDetail>{formatNumber(errors)} answered 4xx or 5xx</StatDetail>
      </Stat>
      <Stat label="Rate limited" icon={<Ban aria-hidden />}>
        <StatValue>{formatPercent(totals.rateLimited, totals.requests) ?? '–'}</StatValue>
        <StatDetail>{formatNumber(totals.rateLimited)} rejected with 429</StatDetail>
      </Stat>
      <Stat label="Active keys" icon={<KeyRound aria-hidden />}>
        <StatValue>{formatNumber(activeKeys)}</StatValue>
        <StatDetail>keys that sent requests</StatDetail>
      </Stat>
      <Stat label="Latency" icon={<Timer aria-hidden />} className="col-span-2">
        <dl className="grid grid-cols-3 gap-2" data-testid="latency-percentiles">
          {(['p50', 'p95', 'p99'] as const).map((p) => (
            <div key={p}>
              <dt className="text-xs text-muted-foreground">{p}</dt>
              <dd className="text-xl font-semibold tabular-nums">{formatLatency(latencyMs[p])}</dd>
            </div>
          ))}
        </dl>
        <StatDetail>average {formatLatency(latencyMs.avg)}</StatDetail>
      </Stat>
    </section>
  );
}
