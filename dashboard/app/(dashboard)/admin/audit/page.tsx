import type { Metadata } from 'next';
import { filtersFromSearch } from './_components/audit-query';
import { AuditClient } from './audit-client';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AdminAuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  return <AuditClient initial={filtersFromSearch(await searchParams)} />;
}
