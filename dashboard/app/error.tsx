'use client';

import { useEffect } from 'react';
import { ErrorState } from '@/components/states';
import { toApiError } from '@/lib/api-error';

/**
 * Anything a page throws while rendering lands here instead of a blank page: the message, and a retry
 * that re-renders the segment. (`global-error.tsx` covers a failing root layout.)
 */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main className="mx-auto max-w-xl p-6 pt-24">
      <ErrorState title="Something went wrong" description={<p>{toApiError(error).message}</p>} onRetry={reset} />
    </main>
  );
}
