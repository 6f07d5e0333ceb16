import { z } from 'zod';

// The gateway's management listener (MANAGEMENT_PORT), never its proxy listener.
export const DEFAULT_GATEWAY_API_URL = 'http://localhost:3002';
/** Where API clients call the gateway (its proxy listener): shown to consumers beside their keys. */
export const DEFAULT_GATEWAY_PROXY_URL = 'http://localhost:3001';

/** What `GET /api/runtime-config` tells the browser: settings read on the server at request time. */
export const RuntimeConfigSchema = z.object({
  gatewayApiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  gatewayProxyUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;

let pending: Promise<RuntimeConfig> | null = null;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A loopback gateway URL (the quick start's `http://localhost:3002`) as seen from a page opened at
 * `pageHostname`: the same machine under the name the browser used (`127.0.0.1`, `[::1]`, the network
 * address Next prints). Else the page at 127.0.0.1 would call localhost, another site, whose session
 * cookie (SameSite=Lax) the browser neither sends nor stores (issue 16).
 */
export function onPageHost(url: string, pageHostname: string): string {
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname) || pageHostname === '') return url;
  parsed.hostname = pageHostname;
  return parsed.toString().replace(/\/+$/, '');
}

/** Fetches the runtime config once per page load (browser only). */
export function loadRuntimeConfig(): Promise<RuntimeConfig> {
  pending ??= fetch('/api/runtime-config', { cache: 'no-store' })
    .then(async (response) => {
      if (!response.ok) throw new Error(`GET /api/runtime-config answered ${response.status}`);
      const config = RuntimeConfigSchema.parse(await response.json());
      const host = window.location.hostname;
      return {
        gatewayApiUrl: onPageHost(config.gatewayApiUrl, host),
        gatewayProxyUrl: onPageHost(config.gatewayProxyUrl, host),
      };
    })
    .catch((error: unknown) => {
      pending = null; // let a retry try again
      throw error;
    });
  return pending;
}
