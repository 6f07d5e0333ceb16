import type { UsageResponse } from '@gateway/shared';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { formatNumber } from '@/lib/format';

const CLASSES = [
  { key: '2xx', label: 'Success', color: 'bg-success' },
  { key: '3xx', label: 'Redirect', color: 'bg-chart-1' },
  { key: '4xx', label: 'Client error', color: 'bg-warning' },
  { key: '5xx', label: 'Server error', color: 'bg-destructive' },
] as const;

export function StatusClasses({ usage }: { usage: Pick<UsageResponse, 'totals'> }) {
  const { byStatusClass, requests, rateLimited } = usage.totals;
  return (
    <Card className="gap-4">
      <CardHeader>
        <CardTitle>Status codes</CardTitle>
        <CardDescription>Responses by status class</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="grid gap-4">
          {CLASSES.map(({ key, label, color }) => {
            const count = byStatusClass[key];
            const share = requests === 0 ? 0 : (count / requests) * 100;
            return (
              <li key={key} className="grid gap-1.5" data-testid={`status-${key}`}>
                <div className="flex items-center justify-between text-sm">
                  <span className="flex items-center gap-2">
                    <span className={`size-2 rounded-full ${color}`} aria-hidden />
                    <span className="font-mono text-xs">{key}</span>
                    <span className="text-muted-foreground">{label}</span>
                  </span>
                  <span className="font-medium tabular-nums" data-testid="status-count">
                    {formatNumber(count)}
                  </span>
                </div>
                <div className="h-1.5 overflow-hidden rounded-full bg-muted" aria-hidden>
                  <div className={`h-full rounded-full ${color}`} style={{ width: `${share}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
        <p className="mt-5 border-t pt-4 text-sm text-muted-foreground">
          <span className="font-medium text-foreground tabular-nums">{formatNumber(rateLimited)}</span> of the 4xx were
          rate limited (429).
        </p>
      </CardContent>
    </Card>
  );
}
