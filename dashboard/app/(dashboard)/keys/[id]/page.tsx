import type { Metadata } from 'next';
import { isUsageRange, type UsageRange } from './_components/usage-range';
import { UsageClient } from './usage-client';

export const metadata: Metadata = { title: 'Key usage' };

interface UsagePageProps {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[]>>;
}

export default async function UsagePage({ params, searchParams }: UsagePageProps) {
  const [{ id }, { range }] = await Promise.all([params, searchParams]);
  const initialRange: UsageRange = isUsageRange(range) ? range : '24h';
  return <UsageClient keyId={id} initialRange={initialRange} />;
}
