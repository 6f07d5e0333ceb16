import type { Metadata } from 'next';
import { Suspense } from 'react';
import { UsageSkeleton } from '../keys/[id]/_components/usage-skeleton';
import { AnalyticsClient } from './analytics-client';

export const metadata: Metadata = { title: 'Analytics' };

// The client reads its range, breakdown and filters from the URL (useSearchParams).
export default function AnalyticsPage() {
  return (
    <Suspense fallback={<UsageSkeleton />}>
      <AnalyticsClient />
    </Suspense>
  );
}
