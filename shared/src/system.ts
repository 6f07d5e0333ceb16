import { z } from 'zod';

/** `GET /health` – liveness: the process answers. */
export const HealthResponseSchema = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** What `/ready` may say about a dependency: never an address or a driver's message. */
export const DependencyStateSchema = z.enum(['ok', 'unreachable', 'timeout', 'not configured']);

/** `GET /ready` – 200 in the degraded modes too (named in `degraded`); 503 problems otherwise. */
export const ReadyResponseSchema = z.object({
  status: z.enum(['ready', 'degraded']),
  database: z.enum(['postgres', 'pglite']),
  checks: z.object({ database: DependencyStateSchema, redis: DependencyStateSchema }),
  degraded: z.array(z.string()),
});
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;
