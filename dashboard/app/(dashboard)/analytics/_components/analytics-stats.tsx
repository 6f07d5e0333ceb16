import type { UsageAnalyticsResponse } from '@gateway/shared';
import { Activity, Ban, CircleAlert, KeyRound, Timer } from 'lucide-react';
import type { ReactNode } from 'react';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { formatBytes, formatLatency, formatNumber, formatPercent } from '@/lib/format';
import { cn } from '@/lib/utils';

function Stat({
  label,
  icon,
  children,
  className,
}: {
  label: string;
  icon: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <Card className={cn('gap-2 py-5', className)} data-testid={`stat-${label.toLowerCase().replaceAll(' ', '-')}`}>
      <CardHeader className="flex flex-row items-center justify-between px-5">
        <CardTitle className="text-sm font-medium text-muted-foreground">{label}</CardTitle>
        <span className="text-muted-foreground [&_svg]:size-4">{icon}</span>
      </CardHeader>
      <CardContent className="px-5">{children}</CardContent>
    </Card>
  );
}

function Value({ children }: { children: ReactNode }) {
  return (
    <div className="text-2xl font-semibold tabular-nums" data-testid="stat-value">
      {children}
    </div>
  );
}

function Detail({ children }: { children: ReactNode }) {
  return <div className="mt-1 text-xs text-muted-foreground">{children}</div>;
}

/** Totals within the filters: requests, error and 429 rates, active keys, then the latency percentiles. */
export function AnalyticsStats({ usage }: { usage: UsageAnalyticsResponse }) {
  const { totals, latencyMs, activeKeys } = usage;
  const errors = totals.byStatusClass['4xx'] + totals.byStatusClass['5xx'];
  return (
    <section aria-label="Summary" className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-6">
      <Stat label="Requests" icon={<Activity aria-hidden />}>
        <Value>{formatNumber(totals.requests)}</Value>
        <Detail>
          {formatBytes(totals.requestBytes)} in · {formatBytes(totals.responseBytes)} out
        </Detail>
      </Stat>
      <Stat label="Error rate" icon={<CircleAlert aria-hidden />}>
        <Value>{formatPercent(errors, totals.requests) ?? '–'}</Value>
        <Detail>{formatNumber(errors)} answered 4xx or 5xx</Detail>
      </Stat>
      <Stat label="Rate limited" icon={<Ban aria-hidden />}>
        <Value>{formatPercent(totals.rateLimited, totals.requests) ?? '–'}</Value>
        <Detail>{formatNumber(totals.rateLimited)} rejected with 429</Detail>
      </Stat>
      <Stat label="Active keys" icon={<KeyRound aria-hidden />}>
        <Value>{formatNumber(activeKeys)}</Value>
        <Detail>keys that sent requests</Detail>
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
        <Detail>average {formatLatency(latencyMs.avg)}</Detail>
      </Stat>
    </section>
  );
}
