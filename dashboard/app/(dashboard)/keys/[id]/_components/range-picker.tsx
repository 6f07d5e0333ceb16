'use client';

import { cn } from '@/lib/utils';
import { USAGE_RANGES, type UsageRange } from './usage-range';

/** A segmented control; each option is a toggle button so screen readers announce the pressed one. */
export function UsageRangePicker({ value, onChange }: { value: UsageRange; onChange(range: UsageRange): void }) {
  return (
    <fieldset className="inline-flex rounded-lg border bg-muted p-0.5">
      <legend className="sr-only">Time range</legend>
      {(Object.keys(USAGE_RANGES) as UsageRange[]).map((range) => (
        <button
          key={range}
          type="button"
          aria-pressed={range === value}
          title={USAGE_RANGES[range].title}
          onClick={() => onChange(range)}
          className={cn(
            'h-7 rounded-md px-3 text-sm font-medium text-muted-foreground outline-none transition-colors hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50',
            range === value && 'bg-background text-foreground shadow-xs',
          )}
        >
          {USAGE_RANGES[range].label}
        </button>
      ))}
    </fieldset>
  );
}
