import type { Metadata } from 'next';
import { isOverviewRange } from './_components/overview-range';
import { OverviewClient } from './overview-client';

export const metadata: Metadata = { title: 'Overview' };

export default async function AdminOverviewPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { range } = await searchParams;
  return <OverviewClient initialRange={isOverviewRange(range) ? range : '24h'} />;
}
