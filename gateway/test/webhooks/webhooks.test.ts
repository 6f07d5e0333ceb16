import { randomUUID } from 'node:crypto';
import type { Webhook, WebhookDelivery, WebhookWithSecret } from '@gateway/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/webhooks/secret-box.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { eventually } from '../support/eventually.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { createKey } from '../support/proxy-client.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { hostPortOf, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startUpstream } from '../support/upstream.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

function as(gw: TestGateway, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(gw.managementUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
}

async function createEndpoint(
  call: (path: string, init?: RequestInit) => Promise<Response>,
  body: Record<string, unknown>,
): Promise<WebhookWithSecret> {
  const res = await call('/webhooks', json(body));
  if (res.status !== 201) throw new Error(`POST /webhooks → ${res.status}: ${await res.text()}`);
  return (await res.json()) as WebhookWithSecret;
}

async function deliveries(gw: TestGateway, endpointId: string): Promise<WebhookDelivery[]> {
  const res = await gw.admin(`/webhooks/${endpointId}/deliveries`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: WebhookDelivery[] }).data;
}

/** A worker of the test's own on the gateway's database, with a clock the test moves. */
function manualWorker(gw: TestGateway, clock: { now: number }, options: { timeoutMs?: number } = {}) {
  const { db, config, logger } = gw.gateway.services;
  return new WebhookWorker({
    db,
    box: new SecretBox(config.SESSION_SECRET),
    logger,
    allowPrivateUrls: true,
    timeoutMs: options.timeoutMs ?? 2_000,
    pollIntervalMs: 60_000,
    disableAfterMs: 5 * 86_400_000,
    clock: () => clock.now,
    random: () => 0.5,
    mailer: gw.gateway.services.mailer,
  });
}

describe.each(['postgres', 'pglite'] as Backend[])('webhooks (%s)', (backend) => {
  let upstream: Upstream;
  let gw: TestGateway;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const r = await startWebhookReceiver();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50' },
    });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    // Endpoints of one test must not receive the next test's events.
    await gw.gateway.services.db.sql.query('DELETE FROM webhook_endpoints');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it("a key's events reach its owner's endpoint and the platform's, signed, exactly once each", async () => {
    const alice = await login(gw, `alice-${randomUUID()}@example.com`);
    const bob = await login(gw, `bob-${randomUUID()}@example.com`);
    const [mine, platform, other] = [await receiver(), await receiver(), await receiver()];
    mine.secret = (await createEndpoint(as(gw, alice.token), { url: mine.url })).secret;
    platform.secret = (await createEndpoint(gw.admin, { url: platform.url })).secret;
    other.secret = (await createEndpoint(as(gw, bob.token), { url: other.url })).secret;

    const created = await as(gw, alice.token)('/keys', json({ name: 'hooked' }));
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string };
    const patched = await as(gw, alice.token)(`/keys/${key.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'renamed' }),
    });
    expect(patched.status).toBe(200);
    const rolled = await as(gw, alice.token)(`/keys/${key.id}/roll`, json({ graceSeconds: 60 }));
    expect(rolled.status).toBe(200);
    const newKey = ((await rolled.json()) as { key: string }).key;
    expect((await as(gw, alice.token)(`/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);

    for (const r of [mine, platform]) {
      await eventually(() =>
        expect(r.received.map((w) => w.type)).toEqual(['key.created', 'key.updated', 'key.rolled', 'key.deleted']),
      );
      expect(r.rejected).toBe(0);
    }
    expect(mine.received[2]?.payload.data).toMatchObject({ key: { id: key.id }, graceSeconds: 60 });
    for (const w of mine.received) expect(w.body).not.toContain(newKey);
    // The same event, the same id, at both endpoints; never the raw key.
    expect(mine.received.map((w) => w.id)).toEqual(platform.received.map((w) => w.id));
    expect(mine.received[0]?.payload.data).toMatchObject({ key: { id: key.id, name: 'hooked' } });
    expect(mine.received[1]?.payload.data).toMatchObject({ changes: { name: { from: 'hooked', to: 'renamed' } } });
    for (const w of mine.received) expect(w.body).not.toContain(key.key);
    // Bob's endpoint hears nothing of Alice's keys.
    await new Promise((r) => setTimeout(r, 300));
    expect(other.received).toEqual([]);
    expect(mine.received).toHaveLength(4);
  });

  it('a change that rolls back sends nothing', async () => {
    const carol = await login(gw, `carol-${randomUUID()}@example.com`);
    const r = await receiver();
    r.secret = (await createEndpoint(as(gw, carol.token), { url: r.url })).secret;
    const before = await gw.gateway.services.db.sql.query<{ n: string }>('SELECT count(*) AS n FROM webhook_events');
    // Above the consumer cap: refused inside the transaction that would have written the event.
    const refused = await as(gw, carol.token)('/keys', json({ limitPerMinute: 999_999 }));
    const problem = await expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(problem.detail).toMatch(/allowance/);
    const after = await gw.gateway.services.db.sql.query<{ n: string }>('SELECT count(*) AS n FROM webhook_events');
    expect(Number(after.rows[0]?.n)).toBe(Number(before.rows[0]?.n));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toEqual([]);
    // The outbox itself: an event written in a transaction that then fails is gone with it.
    const { enqueueWebhookEvent } = await import('../../src/webhooks/outbox.js');
    await expect(
      gw.gateway.services.db.prisma.$transaction(async (tx) => {
        await enqueueWebhookEvent(tx, { type: 'key.updated', userId: carol.userId, data: {} });
        throw new Error('the change failed after its event was written');
      }),
    ).rejects.toThrow(/change failed/);
    const still = await gw.gateway.services.db.sql.query<{ n: string }>('SELECT count(*) AS n FROM webhook_events');
    expect(Number(still.rows[0]?.n)).toBe(Number(before.rows[0]?.n));
  });

  it('the test button, the delivery log, redelivery, and users confined to their own endpoints', async () => {
    const dave = await login(gw, `dave-${randomUUID()}@example.com`);
    const erin = await login(gw, `erin-${randomUUID()}@example.com`);
    const r = await receiver();
    const endpoint = await createEndpoint(as(gw, dave.token), { url: r.url, description: 'billing sync' });
    r.secret = endpoint.secret;
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.secretStart).toBe(endpoint.secret.slice(0, 10));
    // The secret is never shown again.
    const read = (await (await as(gw, dave.token)(`/webhooks/${endpoint.id}`)).json()) as Webhook & { secret?: string };
    expect(read.secret).toBeUndefined();
    expect(JSON.stringify(read)).not.toContain(endpoint.secret);

    const test = await as(gw, dave.token)(`/webhooks/${endpoint.id}/test`, { method: 'POST' });
    expect(test.status).toBe(202);
    await eventually(() => expect(r.received.map((w) => w.type)).toEqual(['webhook.test']));
    const log = await eventually(async () => {
      const list = await deliveries(gw, endpoint.id);
      expect(list[0]?.status).toBe('succeeded');
      return list;
    });
    expect(log[0]).toMatchObject({ eventType: 'webhook.test', attempts: 1, lastStatusCode: 204, lastError: null });
    expect(log[0]?.lastLatencyMs).toBeGreaterThan(0);

    const again = await as(gw, dave.token)(`/webhooks/${endpoint.id}/deliveries/${log[0]?.id}/redeliver`, {
      method: 'POST',
    });
    expect(again.status).toBe(202);
    await eventually(() => expect(r.received).toHaveLength(2));
    expect(r.received[1]?.id).toBe(r.received[0]?.id); // the same event: receivers deduplicate by webhook-id

    // Erin sees none of it, and cannot act on it.
    await expectProblem(await as(gw, erin.token)(`/webhooks/${endpoint.id}`), 404, 'NOT_FOUND');
    await expectProblem(
      await as(gw, erin.token)(`/webhooks/${endpoint.id}/test`, { method: 'POST' }),
      404,
      'NOT_FOUND',
    );
    await expectProblem(await as(gw, erin.token)(`/webhooks/${endpoint.id}/deliveries`), 404, 'NOT_FOUND');
    const list = (await (await as(gw, erin.token)('/webhooks')).json()) as { data: Webhook[] };
    expect(list.data).toEqual([]);
    await expectProblem(
      await as(gw, erin.token)('/webhooks', json({ url: r.url, userId: dave.userId })),
      403,
      'FORBIDDEN',
    );
    // The platform's own events are for admins' endpoints only.
    const platformOnly = await as(gw, erin.token)('/webhooks', json({ url: r.url, events: ['ratelimit.degraded'] }));
    const problem = await expectProblem(platformOnly, 400, 'VALIDATION_FAILED');
    expect(problem.errors?.[0]?.path).toBe('events');
  });

  it('retries failures with growing delays until the receiver answers 2xx; one worker per delivery', async () => {
    // A minute ahead of the real clock: the gateway's own worker (polling every 50 ms) finds nothing
    // due, and the receiver's signature check (5 minutes' tolerance) still accepts the timestamps.
    const clock = { now: Date.now() + 60_000 };
    const workers = [manualWorker(gw, clock, { timeoutMs: 500 }), manualWorker(gw, clock, { timeoutMs: 500 })];
    const r = await receiver();
    const endpoint = await createEndpoint(gw.admin, { url: r.url });
    r.secret = endpoint.secret;
    try {
      r.answers.push(500, 'hang');
      const { enqueueWebhookEvent } = await import('../../src/webhooks/outbox.js');
      await gw.gateway.services.db.prisma.$transaction((tx) =>
        enqueueWebhookEvent(tx, { type: 'key.expiring', userId: null, data: { n: 1 } }, new Date(clock.now)),
      );
      // Two workers at once: the delivery goes to exactly one of them.
      const attempted = await Promise.all(workers.map((w) => w.runOnce()));
      expect(attempted.reduce((a, b) => a + b, 0)).toBe(1);
      let [d] = await deliveries(gw, endpoint.id);
      expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
      expect(d?.lastResponse).toBe('answered 500');
      expect(Date.parse(d!.nextAttemptAt!) - clock.now).toBe(5_000);
      // Not due yet.
      expect(await workers[0]!.runOnce()).toBe(0);
      clock.now += 5_000;
      expect(await workers[0]!.runOnce()).toBe(1);
      [d] = await deliveries(gw, endpoint.id);
      expect(d).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: null });
      expect(d?.lastError).toMatch(/no answer within 500 ms/);
      expect(Date.parse(d!.nextAttemptAt!) - clock.now).toBe(30_000);
      // The receiver is down for a while: the delivery waits, then arrives.
      await r.down();
      clock.now += 30_000;
      expect(await workers[1]!.runOnce()).toBe(1);
      [d] = await deliveries(gw, endpoint.id);
      expect(d).toMatchObject({ status: 'pending', attempts: 3 });
      expect(d?.lastError).toMatch(/ECONNREFUSED|connect/i);
      await r.up();
      clock.now += 120_000;
      expect(await workers[1]!.runOnce()).toBe(1);
      [d] = await deliveries(gw, endpoint.id);
      expect(d).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 204 });
      // Verified deliveries: the 500, the hung one and the success — all the same event.
      expect(r.received.map((w) => w.type)).toEqual(['key.expiring', 'key.expiring', 'key.expiring']);
      expect(new Set(r.received.map((w) => w.id)).size).toBe(1);
      const failing = (await (await gw.admin(`/webhooks/${endpoint.id}`)).json()) as Webhook;
      expect(failing.failingSince).toBeNull();
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('an endpoint failing for days is disabled, audited and its owners mailed; enabling it again clears that', async () => {
    const clock = { now: Date.now() + 86_400_000 };
    const worker = manualWorker(gw, clock);
    // A platform endpoint: every admin is told.
    const adminEmail = `ops-${Date.now()}@example.com`;
    const made = await gw.admin('/users', {
      method: 'POST',
      body: JSON.stringify({ email: adminEmail, role: 'admin' }),
    });
    expect(made.status).toBe(201);
    const r = await receiver();
    const endpoint = await createEndpoint(gw.admin, { url: r.url });
    r.secret = endpoint.secret;
    const { enqueueWebhookEvent } = await import('../../src/webhooks/outbox.js');
    try {
      r.answers.push(...Array.from({ length: 100 }, () => 503));
      for (let day = 0; day <= 5; day++) {
        await gw.gateway.services.db.prisma.$transaction((tx) =>
          enqueueWebhookEvent(tx, { type: 'ratelimit.degraded', userId: null, data: { day } }, new Date(clock.now)),
        );
        expect(await worker.runOnce()).toBeGreaterThanOrEqual(1);
        clock.now += 86_400_000;
      }
      const disabled = (await (await gw.admin(`/webhooks/${endpoint.id}`)).json()) as Webhook;
      expect(disabled.enabled).toBe(false);
      expect(disabled.disabledReason).toMatch(/failed for 5 days.*HTTP 503/);
      const audit = (await (await gw.admin('/audit?action=webhook.disable')).json()) as {
        data: Array<{ target: { id: string }; actor: { kind: string } }>;
      };
      expect(audit.data.find((e) => e.target.id === endpoint.id)?.actor.kind).toBe('system');
      const mails = await gw.mailsTo(adminEmail);
      expect(mails.map((m) => m.subject)).toEqual(['Your webhook endpoint was disabled']);
      expect(mails[0]!.text).toContain(r.url);
      expect(mails[0]!.text).toMatch(/failed for 5 days/);
      // A disabled endpoint gets no new deliveries.
      const count = async () =>
        Number(
          (
            await gw.gateway.services.db.sql.query<{ n: string }>(
              'SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1',
              [endpoint.id],
            )
          ).rows[0]?.n,
        );
      const before = await count();
      await gw.gateway.services.db.prisma.$transaction((tx) =>
        enqueueWebhookEvent(tx, { type: 'ratelimit.recovered', userId: null, data: {} }, new Date(clock.now)),
      );
      expect(await count()).toBe(before);
      const enabled = await gw.admin(`/webhooks/${endpoint.id}`, {
        method: 'PATCH',
        body: JSON.stringify({ enabled: true }),
      });
      expect((await enabled.json()) as Webhook).toMatchObject({
        enabled: true,
        disabledReason: null,
        failingSince: null,
      });
    } finally {
      await worker.stop();
    }
  });

  it('key.expiring: once per key and expiry, a new expiry noticed again', async () => {
    const frank = await login(gw, `frank-${randomUUID()}@example.com`);
    const r = await receiver();
    r.secret = (await createEndpoint(as(gw, frank.token), { url: r.url, events: ['key.expiring'] })).secret;
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const created = await as(gw, frank.token)('/keys', json({ name: 'short-lived', expiresAt: soon }));
    const key = (await created.json()) as { id: string };
    const { noticeExpiringKeys } = await import('../../src/webhooks/expiring.js');
    const { prisma } = gw.gateway.services.db;
    // Twice at once (two replicas) and once more: one notice.
    const counts = await Promise.all([noticeExpiringKeys(prisma, 7), noticeExpiringKeys(prisma, 7)]);
    expect(await noticeExpiringKeys(prisma, 7)).toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await eventually(() =>
      expect(
        r.received.filter((w) => w.payload.data.key && (w.payload.data.key as { id: string }).id === key.id),
      ).toHaveLength(1),
    );
    expect(r.received[0]?.payload.data).toMatchObject({ key: { id: key.id, expiresAt: soon } });
    expect(r.received[0]?.payload.data.expiresInSeconds).toBeGreaterThan(2 * 86_400);
    // A key far from expiry is not noticed; a new expiry inside the window is.
    const later = new Date(Date.now() + 5 * 86_400_000).toISOString();
    await as(gw, frank.token)(`/keys/${key.id}`, { method: 'PATCH', body: JSON.stringify({ expiresAt: later }) });
    expect(await noticeExpiringKeys(prisma, 7)).toBe(1);
    await eventually(() => expect(r.received).toHaveLength(2));
    expect(r.received[1]?.payload.data).toMatchObject({ key: { expiresAt: later } });
  });

  it('quota.threshold: once at 80 % and once at 100 % of a day quota, concurrent requests or not', async () => {
    const gail = await login(gw, `gail-${randomUUID()}@example.com`);
    const r = await receiver();
    r.secret = (await createEndpoint(as(gw, gail.token), { url: r.url, events: ['quota.threshold'] })).secret;
    const created = await as(gw, gail.token)('/keys', json({ name: 'metered', limitPerMinute: 100, limitPerDay: 10 }));
    const key = (await created.json()) as { id: string; key: string };
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key.key } }).then((res) => res.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    await eventually(() => expect(r.received).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = r.received.map((w) => w.payload.data).sort((a, b) => Number(a.used) - Number(b.used));
    expect(events).toEqual([
      expect.objectContaining({
        keyId: key.id,
        window: 'day',
        unit: 'day',
        scope: 'key',
        limit: 10,
        used: 8,
        thresholdPercent: 80,
      }),
      expect.objectContaining({ keyId: key.id, window: 'day', limit: 10, used: 10, thresholdPercent: 100 }),
    ]);
    expect(r.received).toHaveLength(2);
  });

  it('a rotated secret overlaps: deliveries carry both signatures until the overlap ends', async () => {
    const r = await receiver();
    const endpoint = await createEndpoint(gw.admin, { url: r.url, events: ['webhook.test'] });
    const rotated = await gw.admin(`/webhooks/${endpoint.id}/rotate-secret`, json({ overlapSeconds: 3600 }));
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as WebhookWithSecret;
    expect(body.secret).not.toBe(endpoint.secret);
    expect(body.previousSecretExpiresAt).not.toBeNull();
    // A receiver that still knows only the old secret keeps verifying.
    r.secret = endpoint.secret;
    await gw.admin(`/webhooks/${endpoint.id}/test`, { method: 'POST' });
    await eventually(() => expect(r.received).toHaveLength(1));
    expect(String(r.received[0]?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // After a rotation without overlap, only the newest secret signs.
    const now = (await (
      await gw.admin(`/webhooks/${endpoint.id}/rotate-secret`, json({ overlapSeconds: 0 }))
    ).json()) as WebhookWithSecret;
    r.secret = now.secret;
    await gw.admin(`/webhooks/${endpoint.id}/test`, { method: 'POST' });
    await eventually(() => expect(r.received).toHaveLength(2));
    expect(String(r.received[1]?.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(r.rejected).toBe(0);
  });

  it('validates input: URLs, events, unknown fields', async () => {
    const bad = async (body: unknown, path: string) => {
      const problem = await expectProblem(await gw.admin('/webhooks', json(body)), 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    };
    await bad({ url: 'ftp://example.com/x' }, 'url');
    await bad({ url: 'https://u:p@example.com/x' }, 'url');
    await bad({ url: 'https://example.com/x', events: ['key.exploded'] }, 'events.0');
    await bad({ url: 'https://example.com/x', events: ['key.created', 'key.created'] }, 'events');
    const unknown = await expectProblem(
      await gw.admin('/webhooks', json({ url: 'https://example.com/x', secret: 'mine' })),
      400,
      'VALIDATION_FAILED',
    );
    expect(unknown.detail).toMatch(/secret/);
    await expectProblem(await gw.admin(`/webhooks/${randomUUID()}`), 404, 'NOT_FOUND');
    await expectProblem(await gw.admin('/webhooks/not-a-uuid'), 404, 'NOT_FOUND');
    // A disabled endpoint is not sent test events: enable it first.
    const off = await createEndpoint(gw.admin, { url: 'https://93.184.216.34/off' });
    await gw.admin(`/webhooks/${off.id}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    await expectProblem(await gw.admin(`/webhooks/${off.id}/test`, { method: 'POST' }), 409, 'CONFLICT');
  });
});

describe('webhook URLs without WEBHOOK_ALLOW_PRIVATE_URLS', () => {
  let upstream: Upstream;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('refuses loopback, private, link-local and metadata addresses, and names that resolve to them', async () => {
    for (const url of [
      'http://127.0.0.1:3002/keys',
      'http://10.0.0.5/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://localhost/hook',
      'http://app.localhost/hook',
    ]) {
      const problem = await expectProblem(await gw.admin('/webhooks', json({ url })), 400, 'VALIDATION_FAILED');
      expect(problem.detail, url).toMatch(/WEBHOOK_ALLOW_PRIVATE_URLS/);
    }
    // A public address is accepted (nothing is sent until an event happens).
    const ok = await gw.admin('/webhooks', json({ url: 'https://93.184.216.34/hooks' }));
    expect(ok.status).toBe(201);
  });
});

describe('ratelimit.degraded and ratelimit.recovered (postgres + redis through a link the test cuts)', () => {
  let upstream: Upstream;
  let link: TcpProxy;
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  let userReceiver: WebhookReceiver;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    link = await startTcpProxy(hostPortOf(TEST_REDIS_URL, 6379));
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      env: {
        REDIS_URL: link.url(TEST_REDIS_URL),
        RATE_LIMIT_PROBE_BACKOFF_MS: '200',
        RATE_LIMIT_PROBE_BACKOFF_MAX_MS: '400',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '50',
        WEBHOOK_LIMITER_EVENT_SETTLE_MS: '300',
      },
    });
    receiver = await startWebhookReceiver();
    receiver.secret = (await createEndpoint(gw.admin, { url: receiver.url })).secret;
    const user = await login(gw, `ops-watch-${randomUUID()}@example.com`);
    userReceiver = await startWebhookReceiver();
    userReceiver.secret = (await createEndpoint(as(gw, user.token), { url: userReceiver.url })).secret;
  });
  afterAll(async () => {
    await receiver?.close();
    await userReceiver?.close();
    await gw?.stop();
    await link?.close();
    await upstream?.close();
  });

  it('platform endpoints hear when the limiter falls back and when Redis is back, once each', async () => {
    const key = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
    const hit = () => fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key.key } }).then((r) => r.text());
    const platform = () => receiver.received.map((w) => w.type).filter((type) => type.startsWith('ratelimit.'));
    await hit();
    link.cut();
    // Requests keep flowing (failure mode local) while Redis is away; the breaker probes every 200–400 ms.
    await eventually(async () => {
      await hit();
      expect(platform()).toContain('ratelimit.degraded');
    }, 10_000);
    link.restore();
    await eventually(async () => {
      await hit();
      expect(platform()).toEqual(['ratelimit.degraded', 'ratelimit.recovered']);
    }, 10_000);
    const degraded = receiver.received.find((w) => w.type === 'ratelimit.degraded');
    expect(degraded?.payload.data).toMatchObject({ failureMode: 'local', replica: expect.any(String) });
    // A user's endpoint never hears of the platform's state.
    expect(userReceiver.received.filter((w) => w.type.startsWith('ratelimit.'))).toEqual([]);
  });
});
