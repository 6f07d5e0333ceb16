import { z } from 'zod';
import { freeText, IdSchema } from './schemas.js';

// ---- Webhooks ----

/**
 * What a webhook can be told. `key.*` events belong to the key's owner (their endpoints and the
 * platform's receive them); `ratelimit.*` are the platform's own (platform endpoints only);
 * `webhook.test` is sent to one endpoint by its "send test" action.
 */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.updated',
  'key.deleted',
  'key.rolled',
  'key.expiring',
  'quota.threshold',
  'ratelimit.degraded',
  'ratelimit.recovered',
  'webhook.test',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, { error: 'is not a known webhook event type' });
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;
/** Event types only platform (admin) endpoints receive. */
export const PLATFORM_EVENT_TYPES: readonly WebhookEventType[] = ['ratelimit.degraded', 'ratelimit.recovered'];

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOKS_PER_USER = 10;

const WebhookUrlSchema = freeText()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(MAX_WEBHOOK_URL_LENGTH, { error: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` });
const WebhookDescriptionSchema = freeText().trim().max(200, { error: 'must be at most 200 characters' });
const WebhookEventsSchema = z
  .array(WebhookEventTypeSchema)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, { error: 'must not name an event type twice' });

export const CreateWebhookRequestSchema = z.strictObject({
  url: WebhookUrlSchema,
  description: WebhookDescriptionSchema.optional(),
  /** Event types to receive; omitted or empty: all the endpoint may receive. */
  events: WebhookEventsSchema.optional(),
  /**
   * Admins: whose endpoint it is (it receives that user's events). Omitted by an admin: a platform
   * endpoint (every user's events and the platform's own). Users always create their own.
   */
  userId: IdSchema.optional(),
});
export type CreateWebhookRequest = z.input<typeof CreateWebhookRequestSchema>;

export const UpdateWebhookRequestSchema = z
  .strictObject({
    url: WebhookUrlSchema.optional(),
    description: WebhookDescriptionSchema.optional(),
    events: WebhookEventsSchema.optional(),
    enabled: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdateWebhookRequest = z.input<typeof UpdateWebhookRequestSchema>;

export const WebhookSchema = z.object({
  id: IdSchema,
  /** null: a platform endpoint. */
  userId: z.string().nullable(),
  url: z.string(),
  description: z.string(),
  events: z.array(WebhookEventTypeSchema),
  enabled: z.boolean(),
  /** Set when the gateway disabled it after failing for too long. */
  disabledReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  /** Displayable beginning of the signing secret, e.g. `whsec_Zk3…`. */
  secretStart: z.string(),
  /** While a rotated secret still signs too: until when. */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Webhook = z.infer<typeof WebhookSchema>;
/** The answer to creating an endpoint or rotating its secret: the only time the secret is shown. */
export const WebhookWithSecretSchema = WebhookSchema.extend({ secret: z.string() });
export type WebhookWithSecret = z.infer<typeof WebhookWithSecretSchema>;
export const ListWebhooksResponseSchema = z.object({ data: z.array(WebhookSchema) });
export type ListWebhooksResponse = z.infer<typeof ListWebhooksResponseSchema>;

export const WebhookDeliverySchema = z.object({
  id: IdSchema,
  eventId: IdSchema,
  eventType: WebhookEventTypeSchema,
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastLatencyMs: z.number().nullable(),
  lastError: z.string().nullable(),
  /** The first KiB of the receiver's last answer. */
  lastResponse: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export const ListWebhookDeliveriesResponseSchema = z.object({
  data: z.array(WebhookDeliverySchema),
  nextCursor: z.string().nullable(),
});
export type ListWebhookDeliveriesResponse = z.infer<typeof ListWebhookDeliveriesResponseSchema>;

/** The answer to `POST /webhooks/:id/test`: the queued event (its delivery shows in the log). */
export const WebhookTestResponseSchema = z.object({ eventId: IdSchema });
export type WebhookTestResponse = z.infer<typeof WebhookTestResponseSchema>;

export const RotateWebhookSecretRequestSchema = z.strictObject({
  /** How long the old secret keeps signing too (0–7 days; default 24 h). */
  overlapSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be at least 0' })
    .max(7 * 86_400, { error: 'must be at most 604800 (7 days)' })
    .optional(),
});
export type RotateWebhookSecretRequest = z.input<typeof RotateWebhookSecretRequestSchema>;

export const ListWebhookDeliveriesQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(100, { error: 'must be at most 100' })
    .default(20),
  cursor: freeText().max(200, { error: 'is not a valid cursor' }).optional(),
  status: z.enum(['pending', 'succeeded', 'failed'], { error: 'must be pending, succeeded or failed' }).optional(),
});
export type ListWebhookDeliveriesQuery = z.input<typeof ListWebhookDeliveriesQuerySchema>;
