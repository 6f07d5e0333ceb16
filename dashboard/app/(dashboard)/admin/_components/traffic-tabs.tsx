'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/lib/utils';

const TABS = [
  { href: '/admin/routes', label: 'Routes' },
  { href: '/admin/plans', label: 'Plans' },
] as const;

/** Routes and plans share one header entry; these tabs switch between the two pages. */
export function TrafficTabs() {
  const pathname = usePathname();
  return (
    <nav aria-label="Routes and plans" className="inline-flex w-fit rounded-lg border bg-muted p-0.5">
      {TABS.map((tab) => {
        const active = pathname === tab.href;
        return (
          <Link
            key={tab.href}
            href={tab.href}
            aria-current={active ? 'page' : undefined}
            className={cn(
              'h-7 rounded-md px-3 text-sm font-medium leading-7 text-muted-foreground outline-none transition-colors hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50',
              active && 'bg-background text-foreground shadow-xs',
            )}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
