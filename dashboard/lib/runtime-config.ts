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

/** Fetches the runtime config once per page load (browser only). */
export function loadRuntimeConfig(): Promise<RuntimeConfig> {
  pending ??= fetch('/api/runtime-config', { cache: 'no-store' })
    .then(async (response) => {
      if (!response.ok) throw new Error(`GET /api/runtime-config answered ${response.status}`);
      return RuntimeConfigSchema.parse(await response.json());
    })
    .catch((error: unknown) => {
      pending = null; // let a retry try again
      throw error;
    });
  return pending;
}
