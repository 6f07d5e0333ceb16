import { Agent, request } from 'undici';
import { appendAudit } from '../audit/audit-log.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Mail, Mailer } from '../mail/mailer.js';
import { retryDelayMs } from './backoff.js';
import type { SecretBox } from './secret-box.js';
import { webhookHeaders } from './signature.js';
import { hostAddressProblem, publicOnlyLookup, webhookUrlProblem } from './url-policy.js';

export interface WebhookWorkerOptions {
  db: Database;
  box: SecretBox;
  logger: Logger;
  allowPrivateUrls: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  disableAfterMs: number;
  /** Injectable for tests. */
  clock?: () => number;
  random?: () => number;
  /** Deliveries claimed per poll (and sent concurrently). */
  batchSize?: number;
  /** Tells an endpoint's owner (a platform endpoint: every admin) that it was disabled. */
  mailer?: Mailer;
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The mail an endpoint's owner gets when the worker disables it after failing for days. */
export function endpointDisabledMail(to: string, url: string, reason: string): Mail {
  const text = [
    'The gateway stopped sending webhook events to this endpoint:',
    '',
    url,
    '',
    `Reason: ${reason}.`,
    '',
    'Events are no longer delivered to it. Fix the endpoint, then enable it again in the dashboard',
    '(Webhooks) or with PATCH /webhooks/:id {"enabled": true}; its delivery log shows what it answered.',
  ].join('\n');
  const html = `<p>The gateway stopped sending webhook events to this endpoint:</p><p><code>${escapeHtml(url)}</code></p><p>Reason: ${escapeHtml(reason)}.</p><p>Fix the endpoint, then enable it again in the dashboard (Webhooks) or with <code>PATCH /webhooks/:id {"enabled": true}</code>.</p>`;
  return { to, subject: 'Your webhook endpoint was disabled', text, html };
}

export interface DeliveryOutcome {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  response: string | null;
}

interface Claimed {
  id: string;
  attempts: number;
  event_id: string;
  payload: unknown;
  endpoint_id: string;
  url: string;
  enabled: boolean;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  user_id: string | null;
}

// A replica that dies mid-delivery leaves its claim; another may take the delivery over after this.
const CLAIM_MS = 120_000;
const RESPONSE_EXCERPT_BYTES = 1024;
const USER_AGENT = 'api-gateway-webhooks/1';

/**
 * Delivers pending webhook deliveries: every replica polls, and `FOR UPDATE SKIP LOCKED` plus a
 * claim deadline hand each due delivery to exactly one of them. A 2xx answer is success; anything
 * else (another status, a timeout, a refused or private address) schedules the next attempt on the
 * back-off schedule, until it runs out (~23 h). An endpoint whose deliveries have all failed for
 * WEBHOOK_DISABLE_AFTER_DAYS is disabled, with an audit entry.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly agent: Agent;
  private readonly clock: () => number;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.clock = options.clock ?? Date.now;
    this.agent = new Agent({
      connect: options.allowPrivateUrls ? {} : { lookup: publicOnlyLookup },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // Webhook receivers are many and each is called rarely: no long-lived pools.
      keepAliveTimeout: 4_000,
    });
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger.warn({ err }, 'webhook delivery round failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.options.pollIntervalMs).unref();
        });
    };
    this.timer = setTimeout(loop, this.options.pollIntervalMs).unref();
  }

  /** Stops polling, lets the deliveries in progress finish (their outcome is recorded), closes connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.agent.close();
  }

  /** One round: claims the due deliveries and attempts each. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async claim(): Promise<Claimed[]> {
    const now = new Date(this.clock());
    const until = new Date(now.getTime() + CLAIM_MS);
    const { rows } = await this.options.db.sql.query<Claimed>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
          ORDER BY next_attempt_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries d SET locked_until = $2
         FROM due, webhook_events ev, webhook_endpoints e
        WHERE d.id = due.id AND ev.id = d.event_id AND e.id = d.endpoint_id
       RETURNING d.id, d.attempts, d.event_id, ev.payload, d.endpoint_id, e.url, e.enabled, e.secret_encrypted,
                 e.previous_secret_encrypted, e.previous_secret_expires_at, e.failing_since, e.user_id`,
      [now, until, this.options.batchSize ?? 10],
    );
    return rows;
  }

  private secretsOf(delivery: Claimed, now: number): string[] {
    const open = (sealed: string) => {
      try {
        return this.options.box.open(sealed);
      } catch {
        throw new Error(
          "the endpoint's signing secret cannot be decrypted (SESSION_SECRET changed?); rotate its secret",
        );
      }
    };
    const secrets = [open(delivery.secret_encrypted)];
    const previousUntil = delivery.previous_secret_expires_at;
    if (delivery.previous_secret_encrypted && previousUntil && new Date(previousUntil).getTime() > now) {
      secrets.push(open(delivery.previous_secret_encrypted));
    }
    return secrets;
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const now = this.clock();
    let outcome: DeliveryOutcome;
    if (!delivery.enabled) {
      outcome = { ok: false, statusCode: null, latencyMs: 0, error: 'the endpoint is disabled', response: null };
      await this.record(delivery, outcome, now, true);
      return;
    }
    try {
      outcome = await this.send(delivery, now);
    } catch (err) {
      outcome = { ok: false, statusCode: null, latencyMs: 0, error: (err as Error).message, response: null };
    }
    await this.record(delivery, outcome, now, false);
  }

  /** One HTTP attempt. Never throws for the receiver's faults: they are the outcome. */
  private async send(delivery: Claimed, now: number): Promise<DeliveryOutcome> {
    const refused = webhookUrlProblem(delivery.url);
    const url = refused ? null : new URL(delivery.url);
    // Literal addresses never go through DNS lookup: they are judged here, on every attempt.
    const literal = url && !this.options.allowPrivateUrls ? hostAddressProblem(url.hostname) : null;
    if (refused || literal || !url) {
      return { ok: false, statusCode: null, latencyMs: 0, error: `URL ${refused ?? literal}`, response: null };
    }
    // The stored JSON, serialised once: exactly these bytes are signed and sent.
    const body = typeof delivery.payload === 'string' ? delivery.payload : JSON.stringify(delivery.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(this.secretsOf(delivery, now), delivery.event_id, Math.floor(now / 1000), body),
    };
    const started = performance.now();
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const response = await excerpt(res.body);
      const latencyMs = performance.now() - started;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, statusCode: res.statusCode, latencyMs, error: ok ? null : `HTTP ${res.statusCode}`, response };
    } catch (err) {
      const error = err as Error & { code?: string; cause?: { message?: string } };
      const why = error.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : error.message;
      return { ok: false, statusCode: null, latencyMs: performance.now() - started, error: why, response: null };
    }
  }

  private async record(delivery: Claimed, outcome: DeliveryOutcome, now: number, final: boolean): Promise<void> {
    const attempts = delivery.attempts + 1;
    const at = new Date(now);
    const delay = outcome.ok || final ? null : retryDelayMs(attempts, this.options.random);
    const status = outcome.ok ? 'succeeded' : delay === null ? 'failed' : 'pending';
    const { db } = this.options;
    let disabledNotice: { userId: string | null; url: string; reason: string } | null = null;
    await db.prisma.$transaction(async (tx) => {
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: {
          status,
          attempts,
          lockedUntil: null,
          lastAttemptAt: at,
          nextAttemptAt: delay === null ? at : new Date(now + delay),
          lastStatusCode: outcome.statusCode,
          lastLatencyMs: outcome.latencyMs,
          lastError: outcome.error?.slice(0, 500) ?? null,
          lastResponse: outcome.response,
          completedAt: status === 'pending' ? null : at,
        },
      });
      if (final) return;
      if (outcome.ok) {
        if (delivery.failing_since) {
          await tx.webhookEndpoint.update({ where: { id: delivery.endpoint_id }, data: { failingSince: null } });
        }
        return;
      }
      const since = delivery.failing_since ? new Date(delivery.failing_since).getTime() : now;
      if (!delivery.failing_since) {
        // Only the first failure of a streak sets it; a concurrent success may have cleared it meanwhile.
        await tx.webhookEndpoint.updateMany({
          where: { id: delivery.endpoint_id, failingSince: null },
          data: { failingSince: at },
        });
      } else if (now - since >= this.options.disableAfterMs) {
        const reason = `every delivery failed for ${Math.round((now - since) / 86_400_000)} days (last: ${outcome.error ?? 'failed'})`;
        const disabled = await tx.webhookEndpoint.updateMany({
          where: { id: delivery.endpoint_id, enabled: true },
          data: { enabled: false, disabledReason: reason.slice(0, 500) },
        });
        if (disabled.count > 0) {
          await appendAudit(
            tx,
            { ip: null, userAgent: null, requestId: `webhook-worker-${delivery.id}` },
            {
              action: 'webhook.disable',
              actor: { kind: 'system', id: null, label: 'webhook delivery' },
              target: { type: 'webhook', id: delivery.endpoint_id, label: delivery.url },
              subjectUserId: delivery.user_id,
              changes: { enabled: { from: true, to: false }, disabledReason: { from: null, to: reason } },
            },
          );
          this.options.logger.warn({ endpointId: delivery.endpoint_id, reason }, 'webhook endpoint disabled');
          disabledNotice = { userId: delivery.user_id, url: delivery.url, reason };
        }
      }
    });
    // After the commit: a rolled-back disable mails nobody.
    if (disabledNotice) await this.mailDisabled(disabledNotice);
  }

  /** Best effort: the audit entry and the endpoint's state are the record; a failed mail is logged. */
  private async mailDisabled(notice: { userId: string | null; url: string; reason: string }): Promise<void> {
    const { mailer, db, logger } = this.options;
    if (!mailer) return;
    try {
      const recipients = await db.prisma.user.findMany({
        where: notice.userId ? { id: notice.userId } : { role: 'admin' },
        select: { email: true },
      });
      for (const { email } of recipients) await mailer.send(endpointDisabledMail(email, notice.url, notice.reason));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not mail that a webhook endpoint was disabled');
    }
  }
}

/** The first KiB of a response body as text; the rest is discarded without being buffered. */
async function excerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_EXCERPT_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}
