'use client';

import { X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { type AnalyticsFilters, FILTER_NAMES, type FilterName } from './analytics-query';

const FILTER_LABELS: Record<FilterName, string> = {
  keyId: 'Key',
  userId: 'User',
  route: 'Route',
  pathPrefix: 'Path starts with',
  status: 'Status',
  method: 'Method',
};

interface FilterChipsProps {
  filters: AnalyticsFilters;
  /** What a person reads for a filter's value (a key's name for its id); the value itself by default. */
  names: Partial<Record<FilterName, string | undefined>>;
  onRemove(name: FilterName): void;
  onClear(): void;
}

/** The filters in force, each removable; nothing at all without filters. */
export function FilterChips({ filters, names, onRemove, onClear }: FilterChipsProps) {
  const active = FILTER_NAMES.filter((name) => filters[name]);
  if (active.length === 0) return null;
  return (
    <section aria-label="Filters" className="flex flex-wrap items-center gap-2">
      {active.map((name) => {
        const text = `${FILTER_LABELS[name]}: ${names[name] ?? filters[name]}`;
        return (
          <span
            key={name}
            data-testid={`filter-${name}`}
            className="inline-flex max-w-full items-center gap-1 rounded-full border bg-muted py-0.5 pr-1 pl-3 text-sm"
          >
            <span className="truncate">
              <span className="text-muted-foreground">{FILTER_LABELS[name]}:</span> {names[name] ?? filters[name]}
            </span>
            <button
              type="button"
              onClick={() => onRemove(name)}
              className="flex size-6 shrink-0 items-center justify-center rounded-full text-muted-foreground outline-none hover:bg-background hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
            >
              <X className="size-3.5" aria-hidden />
              <span className="sr-only">Remove filter {text}</span>
            </button>
          </span>
        );
      })}
      {active.length > 1 && (
        <Button variant="ghost" size="sm" onClick={onClear}>
          Clear all
        </Button>
      )}
    </section>
  );
}
