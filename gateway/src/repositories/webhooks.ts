import { lookup } from 'node:dns/promises';
import {
  type CreateWebhookRequestSchema,
  PLATFORM_EVENT_TYPES,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
} from '@gateway/shared';
import type { z } from 'zod';
import { type Actor, confinedTo } from '../auth/actor.js';
import type { PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import type {
  WebhookDelivery as DeliveryRow,
  WebhookEndpoint as EndpointRow,
  WebhookEvent as EventRow,
} from '../generated/prisma/client.js';
import type { SecretBox } from '../webhooks/secret-box.js';
import { generateWebhookSecret } from '../webhooks/signature.js';
import { describeAddress, hostAddressProblem, isPublicAddress, webhookUrlProblem } from '../webhooks/url-policy.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
// `whsec_` and four characters of the base64: enough to tell secrets apart, nothing to sign with.
const SECRET_START_LENGTH = 10;
const DNS_CHECK_TIMEOUT_MS = 2_000;
// The person who sees this may not run the gateway: say who can change it.
const OPERATOR_HINT = ' (internal receivers need the gateway operator to set WEBHOOK_ALLOW_PRIVATE_URLS=true)';

export function toWebhook(row: EndpointRow): Webhook {
  return {
    id: row.id,
    userId: row.userId,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    secretStart: row.secretStart,
    previousSecretExpiresAt:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now()
        ? row.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toWebhookDelivery(row: DeliveryRow & { event: Pick<EventRow, 'type'> }): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.event.type as WebhookEventType,
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: iso(row.lastAttemptAt),
    lastStatusCode: row.lastStatusCode,
    lastLatencyMs: row.lastLatencyMs,
    lastError: row.lastError,
    lastResponse: row.lastResponse,
    createdAt: row.createdAt.toISOString(),
    completedAt: iso(row.completedAt),
  };
}

export function newSecret(box: SecretBox): { secret: string; sealed: string; start: string } {
  const secret = generateWebhookSecret();
  return { secret, sealed: box.seal(secret), start: secret.slice(0, SECRET_START_LENGTH) };
}

function invalid(path: string, message: string): never {
  throw new ApiError('VALIDATION_FAILED', `Invalid request body: ${path} ${message}`, { errors: [{ path, message }] });
}

/**
 * Refuses a URL that could make the gateway call the operator's own network (SSRF), with a clear
 * reason: its form, a literal private address, or a name that resolves only to private addresses.
 * A name that does not resolve (yet) is accepted: the receiver may not be deployed; every delivery
 * checks the addresses again anyway.
 */
export async function assertWebhookUrl(url: string, allowPrivate: boolean): Promise<void> {
  const problem = webhookUrlProblem(url);
  if (problem) invalid('url', problem);
  if (allowPrivate) return;
  const { hostname } = new URL(url);
  const literal = hostAddressProblem(hostname);
  if (literal) invalid('url', `${literal}${OPERATOR_HINT}`);
  const addresses = await Promise.race([
    lookup(hostname, { all: true }).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), DNS_CHECK_TIMEOUT_MS).unref()),
  ]);
  const refused = addresses.find((entry) => !isPublicAddress(entry.address));
  if (refused) {
    invalid(
      'url',
      `must not point at ${describeAddress(refused.address)} (${hostname} resolves to ${refused.address})${OPERATOR_HINT}`,
    );
  }
}

/** Users may not subscribe their endpoints to the platform's own events. */
export function assertEventsFor(userId: string | null, events: readonly WebhookEventType[]): void {
  if (userId === null) return;
  const platform = events.find((type) => PLATFORM_EVENT_TYPES.includes(type));
  if (platform) invalid('events', `"${platform}" is sent to platform (admin) endpoints only`);
}

/** Whose endpoint a create request makes: users their own; admins a user's or (no userId) the platform's. */
export async function ownerForCreate(
  tx: PrismaTx,
  actor: Actor,
  input: z.output<typeof CreateWebhookRequestSchema>,
): Promise<string | null> {
  const confined = confinedTo(actor);
  if (confined) {
    if (input.userId && input.userId !== confined) {
      throw new ApiError('FORBIDDEN', 'You can only register webhooks for your own keys.');
    }
    return confined;
  }
  if (!input.userId) return null;
  const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } });
  if (!user) throw new ApiError('NOT_FOUND', `No user with id ${input.userId}.`);
  return user.id;
}

/** The endpoint if the actor may see it (users: their own); 404 otherwise, never 403 (no probing). */
export async function getWebhookOrThrow(tx: PrismaTx, actor: Actor, id: string, forUpdate = false) {
  if (forUpdate) await tx.$queryRaw`SELECT id FROM webhook_endpoints WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.webhookEndpoint.findUnique({ where: { id } });
  const confined = confinedTo(actor);
  if (!row || (confined && row.userId !== confined)) throw new ApiError('NOT_FOUND', `No webhook with id ${id}.`);
  return row;
}
