'use client';

import type { UsageResponse } from '@gateway/shared';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { formatClock, formatDateTime, formatDay, formatDuration, formatNumber } from '@/lib/format';
import { cn } from '@/lib/utils';
import { type ChartPoint, toChartPoints, type UsageSeries } from './chart-series';

const SERIES = [
  { key: 'ok', label: 'Successful', color: 'var(--color-success)' },
  { key: 'errors', label: 'Errors (4xx/5xx)', color: 'var(--color-destructive)' },
] as const;
/** When the answer counts 429s per point (analytics), they get their own colour on top. */
const SERIES_WITH_LIMITED = [
  SERIES[0],
  { key: 'errors', label: 'Other errors (4xx/5xx)', color: 'var(--color-destructive)' },
  { key: 'limited', label: 'Rate limited (429)', color: 'var(--color-warning)' },
] as const;

/** Clock ticks land on round local times: every 5 min … 12 h, the smallest step giving at most 8. */
const CLOCK_STEPS_MINUTES = [5, 10, 15, 30, 60, 120, 180, 360, 720];
const MAX_CLOCK_TICKS = 8;

function onRoundTime(points: ChartPoint[]): ChartPoint[] {
  const spanMinutes = points.length < 2 ? 0 : ((points.at(-1)?.t ?? 0) - (points[0]?.t ?? 0)) / 60_000;
  const step = CLOCK_STEPS_MINUTES.find((m) => spanMinutes / m <= MAX_CLOCK_TICKS) ?? 720;
  const round = points.filter(({ t }) => {
    const at = new Date(t);
    return (at.getHours() * 60 + at.getMinutes()) % step === 0;
  });
  return round.length > 1 ? round : points;
}

/**
 * One tick per distinct label, at the first bucket that has it: a week of 6-hour buckets gets one
 * "Nov 26" per day instead of four. A label that comes round again (the day-old partial hour and the
 * current one are both "11:00") is shown at its latest place only. Within a day, ticks sit on round times.
 */
function axisTicks(points: ChartPoint[], label: (t: number) => string, multiDay: boolean): number[] {
  const runs: { t: number; text: string }[] = [];
  for (const { t } of multiDay ? points : onRoundTime(points)) {
    const text = label(t);
    if (runs.at(-1)?.text !== text) runs.push({ t, text });
  }
  const seen = new Set<string>();
  return runs
    .reverse()
    .filter(({ text }) => !seen.has(text) && seen.add(text))
    .map(({ t }) => t)
    .reverse();
}

export function RequestsChart({
  usage,
  title,
  className,
}: {
  usage: UsageSeries & Pick<UsageResponse, 'totals'>;
  /** The window in words, e.g. "Last 24 hours". */
  title: string;
  className?: string;
}) {
  const points = toChartPoints(usage);
  const series = points.some((p) => p.limited !== undefined) ? SERIES_WITH_LIMITED : SERIES;
  /** The tooltip lists the series in the legend's order (Recharts sorts by name unless told). */
  const legendOrder = (item: { dataKey?: unknown }) => series.findIndex((s) => s.key === item.dataKey);
  const multiDay = Date.parse(usage.to) - Date.parse(usage.from) > 2 * 86_400_000;
  const tick = (t: number) => (multiDay ? formatDay(t) : formatClock(t));

  return (
    <Card className={cn('gap-4', className)}>
      <CardHeader>
        <CardTitle>Requests over time</CardTitle>
        <CardDescription>
          {title}, {formatDuration(usage.bucketSeconds)} buckets
        </CardDescription>
      </CardHeader>
      <CardContent className="px-2 sm:px-6">
        {usage.totals.requests === 0 ? (
          <div className="flex h-64 items-center justify-center rounded-lg border border-dashed text-sm text-muted-foreground">
            No requests in this period yet.
          </div>
        ) : (
          <figure className="h-64" aria-label={`Chart: ${formatNumber(usage.totals.requests)} requests over time`}>
            <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height: 256 }}>
              <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap="15%">
                <CartesianGrid vertical={false} stroke="var(--color-border)" />
                <XAxis
                  dataKey="t"
                  ticks={axisTicks(points, tick, multiDay)}
                  tickFormatter={tick}
                  tickLine={false}
                  axisLine={false}
                  tickMargin={8}
                  minTickGap={32}
                  fontSize={12}
                  stroke="var(--color-muted-foreground)"
                />
                <YAxis
                  allowDecimals={false}
                  tickLine={false}
                  axisLine={false}
                  width={40}
                  fontSize={12}
                  stroke="var(--color-muted-foreground)"
                />
                <Tooltip
                  cursor={{ fill: 'var(--color-muted)' }}
                  labelFormatter={(t) => formatDateTime(Number(t))}
                  formatter={(value) => formatNumber(Number(value))}
                  separator=": "
                  itemSorter={legendOrder}
                  contentStyle={{
                    borderRadius: 8,
                    border: '1px solid var(--color-border)',
                    fontSize: 12,
                    boxShadow: '0 4px 12px rgb(0 0 0 / 0.08)',
                  }}
                />
                {series.map((s, index) => (
                  <Bar
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    stackId="requests"
                    fill={s.color}
                    radius={index === series.length - 1 ? [3, 3, 0, 0] : 0}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </figure>
        )}
        <ul className="mt-3 flex gap-4 px-4 text-xs text-muted-foreground sm:px-0">
          {series.map((s) => (
            <li key={s.key} className="flex items-center gap-1.5">
              <span className="size-2 rounded-full" style={{ background: s.color }} aria-hidden />
              {s.label}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
