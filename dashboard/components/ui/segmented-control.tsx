'use client';

import { cn } from '@/lib/utils';

export interface SegmentedOption<T extends string> {
  value: T;
  label: string;
  title?: string;
}

interface SegmentedControlProps<T extends string> {
  /** Read by screen readers as the group's name. */
  legend: string;
  options: readonly SegmentedOption<T>[];
  value: NoInfer<T>;
  onChange(value: NoInfer<T>): void;
  className?: string;
}

/** A small set of mutually exclusive choices as toggle buttons; the pressed one is announced as such. */
export function SegmentedControl<T extends string>({
  legend,
  options,
  value,
  onChange,
  className,
}: SegmentedControlProps<T>) {
  return (
    <fieldset
      data-slot="segmented-control"
      className={cn('inline-flex w-fit rounded-lg border bg-muted p-0.5', className)}
    >
      <legend className="sr-only">{legend}</legend>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          aria-pressed={option.value === value}
          title={option.title}
          onClick={() => onChange(option.value)}
          className={cn(
            'h-7 flex-1 whitespace-nowrap rounded-md px-3 text-sm font-medium text-muted-foreground outline-none transition-colors hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50',
            option.value === value && 'bg-background text-foreground shadow-xs',
          )}
        >
          {option.label}
        </button>
      ))}
    </fieldset>
  );
}
