'use client';

import { createContext, type ReactNode, use, useCallback, useEffect, useMemo, useState } from 'react';
import { ErrorState, PageSpinner } from '@/components/states';
import { createGatewayClient, type GatewayClient } from '@/lib/gateway-client';
import { loadRuntimeConfig } from '@/lib/runtime-config';

const GatewayContext = createContext<GatewayClient | null>(null);
const ProxyUrlContext = createContext<string | null>(null);

/** Learns the gateway URL from `/api/runtime-config`, then offers one typed client to the whole app. */
export function GatewayProvider({ children }: { children: ReactNode }) {
  const [baseUrl, setBaseUrl] = useState<string | null>(null);
  const [proxyUrl, setProxyUrl] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const load = useCallback(() => {
    setFailure(null);
    loadRuntimeConfig().then(
      (config) => {
        setProxyUrl(config.gatewayProxyUrl);
        setBaseUrl(config.gatewayApiUrl);
      },
      (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)),
    );
  }, []);

  useEffect(load, [load]);
  const client = useMemo(() => (baseUrl ? createGatewayClient(baseUrl) : null), [baseUrl]);

  if (failure) {
    return (
      <main className="mx-auto max-w-lg p-6 pt-24">
        <ErrorState
          title="The dashboard could not load its configuration"
          description={`${failure}. Check that the dashboard server is running and GATEWAY_API_URL is a valid URL.`}
          onRetry={load}
        />
      </main>
    );
  }
  if (!client) return <PageSpinner label="Loading configuration" />;
  return (
    <GatewayContext value={client}>
      <ProxyUrlContext value={proxyUrl}>{children}</ProxyUrlContext>
    </GatewayContext>
  );
}

/** Where API clients call the gateway (`GATEWAY_PROXY_URL`); only valid below `GatewayProvider`. */
export function useProxyUrl(): string {
  const url = use(ProxyUrlContext);
  if (!url) throw new Error('useProxyUrl() must be used below <GatewayProvider>');
  return url;
}

/** The gateway client; only valid below `GatewayProvider`. */
export function useGateway(): GatewayClient {
  const client = use(GatewayContext);
  if (!client) throw new Error('useGateway() must be used below <GatewayProvider>');
  return client;
}
