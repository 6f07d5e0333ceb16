import { randomUUID } from 'node:crypto';
import type { WebhookEventType } from '@gateway/shared';
import type { PrismaTx } from '../db/client.js';

export interface WebhookEventInput {
  type: WebhookEventType;
  /** Whose event: their endpoints and the platform's get it. null: the platform's own (platform endpoints only). */
  userId: string | null;
  data: Record<string, unknown>;
  /** Only this endpoint (the "send test" action), whatever its event filter. */
  endpointId?: string;
}

/**
 * Writes one event and a pending delivery for every endpoint that should receive it, in the caller's
 * transaction — the same one that makes the change the event reports. So an event exists exactly
 * when its change was committed: none is lost if the process dies after the commit (the worker
 * finds the deliveries), none is sent for a change that rolled back. Returns the event id, which
 * receivers see as `webhook-id` and use to drop duplicates.
 *
 * The payload follows the Standard Webhooks shape: `{ type, timestamp, data }`.
 */
export async function enqueueWebhookEvent(tx: PrismaTx, event: WebhookEventInput, now = new Date()): Promise<string> {
  const id = randomUUID();
  const payload = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
  await tx.$executeRaw`
    INSERT INTO webhook_events (id, type, user_id, payload, created_at)
    VALUES (${id}::uuid, ${event.type}, ${event.userId}::uuid, ${payload}::jsonb, ${now})`;
  if (event.endpointId) {
    await tx.$executeRaw`
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at, created_at)
      VALUES (gen_random_uuid(), ${id}::uuid, ${event.endpointId}::uuid, ${now}, ${now})`;
    return id;
  }
  // A user's event: their endpoints and platform endpoints. The platform's own (user null):
  // `user_id = NULL` is never true, so platform endpoints only. An empty filter means every type.
  await tx.$executeRaw`
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at, created_at)
    SELECT gen_random_uuid(), ${id}::uuid, e.id, ${now}, ${now}
      FROM webhook_endpoints e
     WHERE e.enabled
       AND (e.user_id IS NULL OR e.user_id = ${event.userId}::uuid)
       AND (cardinality(coalesce(e.events, '{}')) = 0 OR ${event.type} = ANY(e.events))`;
  return id;
}
