'use client';

import { useCallback } from 'react';
import useSWR, { useSWRConfig } from 'swr';
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

export interface ResourceOptions {
  /** Reload every this many ms while the tab is visible (SWR pauses in background tabs). */
  refreshInterval?: number;
  /** Show the previous key's data, dimmed, while a new key loads (e.g. a range change). */
  keepPreviousData?: boolean;
  /** False: a cached answer is shown without asking again on mount (the session after sign-in). */
  revalidateIfStale?: boolean;
}

/**
 * One gateway resource, cached and deduplicated by `key` with SWR; `key === null` waits. The fetcher is
 * the zod-validated gateway client, so `error` is always an `ApiError`. Errors are not retried: a 4xx
 * will not change by asking again, and a "Try again" button is offered for the rest.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>, options: ResourceOptions = {}): Resource<T> {
  const swr = useSWR<T, ApiError>(key, () => load().catch((caught: unknown) => Promise.reject(toApiError(caught))), {
    shouldRetryOnError: false,
    ...options,
  });
  const { mutate } = swr;
  const reload = useCallback(async () => {
    await mutate();
  }, [mutate]);
  const setData = useCallback(
    (update: (previous: T | undefined) => T | undefined) => void mutate(update, { revalidate: false }),
    [mutate],
  );
  return {
    data: swr.data,
    error: swr.error,
    loading: swr.isLoading,
    refreshing: swr.isValidating && !swr.isLoading,
    reload,
    setData,
  };
}

/**
 * Forgets every cached answer, e.g. at sign-out or when another person signs in on this tab, so nobody
 * sees the previous session's keys, even for a moment.
 */
export function useClearResources(): () => Promise<void> {
  const { mutate } = useSWRConfig();
  return useCallback(async () => {
    await mutate(() => true, undefined, { revalidate: false });
  }, [mutate]);
}

/** Puts an answer fetched elsewhere (e.g. the sign-in check's session) into the cache under `key`. */
export function useSeedResource(): <T>(key: string, data: T) => Promise<void> {
  const { mutate } = useSWRConfig();
  return useCallback(
    async <T>(key: string, data: T) => {
      await mutate(key, data, { revalidate: false });
    },
    [mutate],
  );
}
