import type { UsageResponse } from '@gateway/shared';
import { Activity, Ban, CircleAlert, Timer } from 'lucide-react';
import type { ReactNode } from 'react';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { formatLatency, formatNumber, formatPercent } from '@/lib/format';

function Stat({ label, icon, value, detail }: { label: string; icon: ReactNode; value: ReactNode; detail: ReactNode }) {
  return (
    <Card className="gap-2 py-5" data-testid={`stat-${label.toLowerCase().replaceAll(' ', '-')}`}>
      <CardHeader className="flex flex-row items-center justify-between px-5">
        <CardTitle className="text-sm font-medium text-muted-foreground">{label}</CardTitle>
        <span className="text-muted-foreground [&_svg]:size-4">{icon}</span>
      </CardHeader>
      <CardContent className="px-5">
        <div className="text-2xl font-semibold tabular-nums" data-testid="stat-value">
          {value}
        </div>
        <div className="mt-1 text-xs text-muted-foreground">{detail}</div>
      </CardContent>
    </Card>
  );
}

/** "34.5% successful"; with no requests there is no share to speak of. */
function share(part: number, total: number, what: string): string {
  const percent = formatPercent(part, total);
  return percent === null ? 'No requests in this period' : `${percent} ${what}`;
}

export function UsageStats({ usage }: { usage: UsageResponse }) {
  const { totals, latencyMs } = usage;
  const errors = totals.byStatusClass['4xx'] + totals.byStatusClass['5xx'];
  return (
    <section aria-label="Summary" className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4">
      <Stat
        label="Requests"
        icon={<Activity aria-hidden />}
        value={formatNumber(totals.requests)}
        detail={share(totals.byStatusClass['2xx'], totals.requests, 'successful')}
      />
      <Stat
        label="Errors"
        icon={<CircleAlert aria-hidden />}
        value={formatNumber(errors)}
        detail={share(errors, totals.requests, 'of requests answered 4xx or 5xx')}
      />
      <Stat
        label="Rate limited"
        icon={<Ban aria-hidden />}
        value={formatNumber(totals.rateLimited)}
        detail="requests rejected with 429"
      />
      <Stat
        label="Latency p50"
        icon={<Timer aria-hidden />}
        value={formatLatency(latencyMs.p50)}
        detail={
          <span className="tabular-nums" data-testid="latency-percentiles">
            p95 {formatLatency(latencyMs.p95)} · p99 {formatLatency(latencyMs.p99)}
          </span>
        }
      />
    </section>
  );
}
