import type { ReactNode } from 'react';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { cn } from '@/lib/utils';

/** One figure of a stats row (overview, analytics): a titled card, test id `stat-<label>`. */
export function Stat({
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

export function StatValue({ children }: { children: ReactNode }) {
  return (
    <div className="text-2xl font-semibold tabular-nums" data-testid="stat-value">
      {children}
    </div>
  );
}

export function StatDetail({ children }: { children: ReactNode }) {
  return <div className="mt-1 text-xs text-muted-foreground">{children}</div>;
}
