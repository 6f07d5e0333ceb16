'use client';

import { Search } from 'lucide-react';
import type { ComponentProps } from 'react';
import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';

/** A search box with its icon; `label` names it for screen readers (there is no visible label). */
export function SearchInput({ label, className, ...props }: ComponentProps<typeof Input> & { label: string }) {
  return (
    <div className={cn('relative w-full sm:w-72', className)}>
      <Search
        className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
        aria-hidden
      />
      <Input type="search" aria-label={label} className="pl-8" {...props} />
    </div>
  );
}
