'use client';

import { Loader2 } from 'lucide-react';
import { Button } from '@/components/ui/button';
import type { ApiError } from '@/lib/api-error';

/** The footer of a cursor-paged list: "Load more" while the gateway has a next cursor. */
export function LoadMore({
  shown,
  noun,
  plural = `${noun}s`,
  hasMore,
  loadingMore,
  error,
  onLoadMore,
}: {
  shown: number;
  noun: string;
  plural?: string;
  hasMore: boolean;
  loadingMore: boolean;
  error?: ApiError | undefined;
  onLoadMore(): void;
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 border-t px-6 pt-4 text-sm text-muted-foreground">
      <span aria-live="polite" data-testid="shown-count">
        {shown} {shown === 1 ? noun : plural}
        {hasMore ? ' shown' : ''}
      </span>
      {error && hasMore && <span className="text-destructive">{error.message}</span>}
      {hasMore && (
        <Button variant="outline" size="sm" onClick={onLoadMore} disabled={loadingMore}>
          {loadingMore && <Loader2 className="animate-spin" aria-hidden />}
          Load more
        </Button>
      )}
    </div>
  );
}
