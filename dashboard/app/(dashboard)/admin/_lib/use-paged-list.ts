'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, toApiError } from '@/lib/api-error';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  /** Every row loaded so far for the current key; undefined until its first page arrives. */
  items: T[] | undefined;
  /** The first page failed (nothing to show), or the latest "load more" / reload failed. */
  error: ApiError | undefined;
  /** True while the first page of a new key loads (the previous key's rows stay visible, dimmed). */
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  update(change: (items: T[]) => T[]): void;
}

/**
 * A cursor-paged list ("Load more"): `key` names the filters, and a new key starts again from the first
 * page. Answers for an older key are dropped, so typing fast in a search box never shows stale rows.
 */
export function usePagedList<T>(key: string, loadPage: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const [items, setItems] = useState<T[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const generation = useRef(0);

  const loadFirst = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    setLoadingMore(false);
    try {
      const page = await loadRef.current(undefined);
      if (mine !== generation.current) return;
      setItems(page.data);
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(toApiError(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void key; // a new key (filters) starts again from the first page
    void loadFirst();
  }, [key, loadFirst]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await loadRef.current(cursor);
      if (mine !== generation.current) return;
      setItems((previous) => [...(previous ?? []), ...page.data]);
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(toApiError(caught));
    } finally {
      if (mine === generation.current) setLoadingMore(false);
    }
  }, [cursor]);

  const update = useCallback((change: (items: T[]) => T[]) => setItems((previous) => previous && change(previous)), []);

  return {
    items,
    error,
    loading,
    loadingMore,
    hasMore: cursor !== null,
    loadMore: () => void loadMore(),
    reload: () => void loadFirst(),
    update,
  };
}
