'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, toApiError } from './api-error';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer for the current key arrives. */
  loading: boolean;
  /** True while a reload runs with the previous data still shown. */
  refreshing: boolean;
  reload(): Promise<void>;
  setData(update: (previous: T | undefined) => T | undefined): void;
}

/**
 * Loads data for `key` and reloads when the key changes; `key === null` waits. Stale answers of an
 * older key are dropped, so a quick range change never shows the previous range's numbers.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [refreshing, setRefreshing] = useState(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const run = useCallback(async (mode: 'load' | 'refresh') => {
    const mine = ++generation.current;
    if (mode === 'load') setLoading(true);
    else setRefreshing(true);
    try {
      const result = await loadRef.current();
      if (mine !== generation.current) return;
      setDataState(result);
      setError(undefined);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(toApiError(caught));
    } finally {
      if (mine === generation.current) {
        setLoading(false);
        setRefreshing(false);
      }
    }
  }, []);

  useEffect(() => {
    if (key === null) return;
    void run('load');
  }, [key, run]);

  const reload = useCallback(() => run('refresh'), [run]);
  const setData = useCallback((update: (previous: T | undefined) => T | undefined) => setDataState(update), []);

  return { data, error, loading, refreshing, reload, setData };
}
