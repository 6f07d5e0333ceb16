'use client';

import type { UsageLogRecord } from '@gateway/shared';
import { type ReactNode, useRef } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { type OverviewRange, overviewWindow } from '../../admin/_components/overview-range';
import { useOwnerEmails } from '../../admin/_lib/use-owner-emails';
import { usePagedList } from '../../admin/_lib/use-paged-list';
import type { AnalyticsFilters } from './analytics-query';
import { RequestLog } from './request-log';

/** Rows per "Load more". */
export const LOG_PAGE = 50;

interface RequestLogSectionProps {
  range: OverviewRange;
  filters: AnalyticsFilters;
  /** A new value reloads from the newest request (the page's Refresh). */
  version: number;
  admin: boolean;
  title: string;
  actions?: ReactNode;
}

/**
 * The request log for the page's range and filters. Its window is fixed when the first page loads, so
 * "Load more" continues the same list; it is not refreshed on a timer (rows would jump under the reader).
 */
export function RequestLogSection({ range, filters, version, admin, title, actions }: RequestLogSectionProps) {
  const gateway = useGateway();
  const window = useRef<{ from: string; to: string } | null>(null);
  const log = usePagedList<UsageLogRecord>(`${version}:${range}:${JSON.stringify(filters)}`, (cursor) => {
    if (!cursor || !window.current) {
      const { from, to } = overviewWindow(range);
      window.current = { from, to };
    }
    return gateway.listUsageLogs({ ...window.current, ...filters, cursor, limit: LOG_PAGE });
  });
  const owners = admin ? (log.items ?? []).flatMap((row) => (row.userId ? [row.userId] : [])) : [];
  const emails = useOwnerEmails(gateway, owners);
  return (
    <RequestLog
      log={log}
      admin={admin}
      emails={emails}
      filtered={Object.keys(filters).length > 0}
      title={title}
      actions={actions}
    />
  );
}
