'use client';

import { USAGE_EXPORT_FORMATS, type UsageGroupBy } from '@gateway/shared';
import { ChevronDown, Download } from 'lucide-react';
import { useGateway } from '@/components/gateway-provider';
import { Button } from '@/components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';
import type { AnalyticsFilters } from './analytics-query';
import { GROUP_LABELS } from './breakdown';

const FORMAT_LABELS = { csv: 'CSV', ndjson: 'NDJSON' } as const;

interface ExportMenuProps {
  /** The window of the numbers on screen, so the file holds what the page shows. */
  window: { from: string; to: string };
  filters: AnalyticsFilters;
  groupBy: UsageGroupBy;
}

/**
 * Plain links to `GET /usage/export`: the browser downloads the stream straight to disk with the
 * gateway's session cookie, so a month of requests never sits in the page's memory.
 */
export function ExportMenu({ window, filters, groupBy }: ExportMenuProps) {
  const gateway = useGateway();
  const href = (format: (typeof USAGE_EXPORT_FORMATS)[number], grouped: boolean) =>
    gateway.usageExportUrl({
      from: window.from,
      to: window.to,
      ...filters,
      format,
      ...(grouped ? { groupBy } : {}),
    });
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm">
          <Download aria-hidden />
          Export
          <ChevronDown className="text-muted-foreground" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-60">
        <DropdownMenuLabel className="text-xs text-muted-foreground">Requests in this view</DropdownMenuLabel>
        {USAGE_EXPORT_FORMATS.map((format) => (
          <DropdownMenuItem key={`log-${format}`} asChild>
            <a href={href(format, false)} download>
              Request log ({FORMAT_LABELS[format]})
            </a>
          </DropdownMenuItem>
        ))}
        <DropdownMenuSeparator />
        <DropdownMenuLabel className="text-xs text-muted-foreground">Every group, no top-N cut</DropdownMenuLabel>
        {USAGE_EXPORT_FORMATS.map((format) => (
          <DropdownMenuItem key={`grouped-${format}`} asChild>
            <a href={href(format, true)} download>
              By {GROUP_LABELS[groupBy].column.toLowerCase()} ({FORMAT_LABELS[format]})
            </a>
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
