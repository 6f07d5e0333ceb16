import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { DESKTOP_AND_PHONE, expect, screenshot, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { type RunningStack, startStack } from './support/servers';

test.describe.configure({ mode: 'serial' });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on loopback, as a customer would run one: it records every request and answers
 * 200, or whatever status `answerWith` sets (a receiver having a bad day).
 */
function startReceiver(): Promise<{
  url: string;
  received: Received[];
  answerWith(status: number): void;
  server: Server;
}> {
  const received: Received[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'thanks, receiver' : 'receiver is broken today');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, received, answerWith: (s) => (status = s), server });
    });
  });
}

/** Checks a delivery's Standard Webhooks signature with the endpoint's secret; returns the event. */
function verified(secret: string, delivery: Received): { type: string; data: Record<string, unknown> } {
  const headers = Object.fromEntries(Object.entries(delivery.headers).map(([name, value]) => [name, String(value)]));
  return new Webhook(secret).verify(delivery.body, headers) as { type: string; data: Record<string, unknown> };
}

/** A full-page screenshot from the top (the sticky header would otherwise sit mid-page). */
async function shoot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}

async function noHorizontalScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;

test.beforeAll(async () => {
  receiver = await startReceiver();
});

test.afterAll(async () => {
  await new Promise((resolve) => receiver.server.close(resolve));
});

test('a consumer registers an endpoint, tests it, watches deliveries, redelivers and deletes it', async ({
  page,
  admin,
  login,
}) => {
  const email = await login('hooks');
  const url = `${receiver.url}/hooks/${Date.now()}`;
  const mine = () => receiver.received.filter((delivery) => delivery.path === new URL(url).pathname);
  let secret = '';
  let webhookId = '';

  await test.step('the Webhooks page starts empty', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page).toHaveURL(/\/webhooks$/);
    await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
    await expect(page.getByText('No endpoints yet')).toBeVisible();
  });

  await test.step('add an endpoint: the signing secret is shown once', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Endpoint URL').fill(url);
    await dialog.getByLabel('Description').fill('Billing service');
    // A consumer may pick among their own events, never the platform's rate-limiting ones.
    await dialog.getByRole('button', { name: 'Selected events' }).click();
    await expect(dialog.getByRole('checkbox', { name: /key\.created/ })).toBeVisible();
    await expect(dialog.getByRole('checkbox')).toHaveCount(6);
    await expect(dialog.getByText('ratelimit.degraded')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'All events' }).click();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();

    await expect(dialog.getByRole('heading', { name: 'Save your signing secret' })).toBeVisible();
    await expect(dialog.getByText("You won't see this secret again")).toBeVisible();
    secret = await dialog.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await dialog.getByRole('button', { name: "I've saved the secret" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText(secret)).toHaveCount(0);

    const row = page.getByTestId('webhook-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(url);
    await expect(row).toContainText('Billing service');
    await expect(row).toContainText('All events');
    await expect(row.getByTestId('webhook-status')).toHaveText('Enabled');
    webhookId = (await row.getAttribute('data-webhook-id')) ?? '';
    await expect(page.getByText('1 of 10 endpoints')).toBeVisible();
  });

  await test.step('send a test event: the receiver gets it, signed', async () => {
    await page.getByRole('button', { name: `Actions for ${url}` }).click();
    await page.getByRole('menuitem', { name: 'Send test event' }).click();
    await expect(page.getByTestId('webhook-notice')).toContainText('Test event sent');
    await expect.poll(() => mine().length).toBe(1);
    const event = verified(secret, mine()[0] as Received);
    expect(event.type).toBe('webhook.test');
    expect(event.data.webhookId).toBe(webhookId);
  });

  await test.step('the delivery log shows the test delivery succeeded', async () => {
    await page.getByRole('link', { name: url }).first().click();
    await expect(page).toHaveURL(new RegExp(`/webhooks/${webhookId}$`));
    await expect(page.getByRole('heading', { name: url })).toBeVisible();
    const row = page.getByTestId('delivery-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('webhook.test');
    await expect(row.getByTestId('delivery-status')).toHaveText('Succeeded');
    await expect(row.getByTestId('delivery-code')).toContainText('200');
    await expect(row.getByTestId('delivery-attempts')).toContainText('1');
    await row.getByRole('button', { name: /webhook\.test/ }).click();
    await expect(row.getByTestId('delivery-response')).toHaveText('thanks, receiver');
  });

  await test.step('creating a key shows a key.created delivery without reloading the page', async () => {
    const user = await admin.createUser(email);
    const key = await admin.createKey(user.id, { name: 'Checkout' });
    const created = page.getByTestId('delivery-row').filter({ hasText: 'key.created' });
    await expect(created).toHaveCount(1, { timeout: 15_000 });
    await expect(created.getByTestId('delivery-status')).toHaveText('Succeeded', { timeout: 15_000 });
    const event = verified(secret, mine().find((d) => d.body.includes('"key.created"')) as Received);
    expect((event.data.key as { id: string }).id).toBe(key.id);
  });

  let failedEventId = '';
  await test.step('a failing receiver: the delivery waits for its next attempt, with the error', async () => {
    receiver.answerWith(500);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const failing = page.getByTestId('delivery-row').filter({ hasText: 'webhook.test' }).first();
    await expect(failing.getByTestId('delivery-status')).toHaveText('Retrying');
    await expect(failing.getByTestId('delivery-code')).toContainText('500');
    await expect(failing.getByTestId('delivery-next-attempt').last()).toContainText(
      /Next attempt (\w{3} \d+, )?\d\d:\d\d:\d\d/,
    );
    await failing.getByRole('button', { name: /webhook\.test/ }).click();
    await expect(failing.getByTestId('delivery-error')).toHaveText('HTTP 500');
    await expect(failing.getByTestId('delivery-response')).toHaveText('receiver is broken today');
    failedEventId = String(mine().at(-1)?.headers['webhook-id']);
    await expect(page.getByRole('button', { name: 'Pending' })).toBeVisible();
    await page.getByRole('button', { name: 'Pending' }).click();
    await expect(page.getByTestId('delivery-row')).toHaveCount(1);
    await expect(page.getByTestId('delivery-row')).toContainText('webhook.test');
    for (const viewport of DESKTOP_AND_PHONE) {
      await page.setViewportSize(viewport);
      await noHorizontalScroll(page);
      await shoot(page, `webhook-deliveries-failing-${viewport.name}`);
    }
    await page.setViewportSize(DESKTOP_AND_PHONE[0]);
    await page.getByRole('button', { name: 'All', exact: true }).click();
  });

  await test.step('redeliver: the same event again, as a new delivery that succeeds', async () => {
    receiver.answerWith(200);
    const before = mine().length;
    const rows = page.getByTestId('delivery-row');
    const count = await rows.count();
    const failing = rows.filter({ hasText: 'webhook.test' }).first();
    await failing.getByRole('button', { name: 'Redeliver' }).click();
    await expect(rows).toHaveCount(count + 1);
    await expect(rows.first()).toContainText('webhook.test');
    await expect(rows.first().getByTestId('delivery-status')).toHaveText('Succeeded');
    await expect
      .poll(() =>
        mine()
          .slice(before)
          .some((d) => d.headers['webhook-id'] === failedEventId),
      )
      .toBe(true);
  });

  await test.step('older deliveries load with the cursor', async () => {
    // 20 more test events (sent as the operator would, with the admin token) fill more than one page.
    for (let i = 0; i < 20; i++) await admin.call('POST', `/webhooks/${webhookId}/test`, undefined, 202);
    const rows = page.getByTestId('delivery-row');
    await expect(rows).toHaveCount(20, { timeout: 15_000 });
    await expect(page.getByRole('button', { name: 'Load more' })).toBeVisible();
    await page.getByRole('button', { name: 'Load more' }).click();
    // The 20 above, the first test event, key.created, the failed test event and its redelivery.
    await expect(rows).toHaveCount(24);
    await expect(page.getByText('Paused while older deliveries are shown')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Load more' })).toBeHidden();
    await page.getByRole('button', { name: 'Newest only' }).click();
    await expect(rows).toHaveCount(20);
    await expect(page.getByText('Newest first · refreshes every 5 s')).toBeVisible();
  });

  await test.step('desktop and phone layouts of the list and the log', async () => {
    await page
      .getByTestId('delivery-row')
      .first()
      .getByRole('button', { name: /webhook\.test/ })
      .click();
    for (const viewport of DESKTOP_AND_PHONE) {
      await page.setViewportSize(viewport);
      await noHorizontalScroll(page);
      await shoot(page, `webhook-deliveries-${viewport.name}`);
    }
    await page.setViewportSize(DESKTOP_AND_PHONE[0]);
    await page.goto('/webhooks');
    await expect(page.getByTestId('webhook-row')).toContainText(url);
    for (const viewport of DESKTOP_AND_PHONE) {
      await page.setViewportSize(viewport);
      await noHorizontalScroll(page);
      await shoot(page, `webhooks-${viewport.name}`);
    }
    await page.setViewportSize(DESKTOP_AND_PHONE[0]);
  });

  await test.step('delete the endpoint after confirming', async () => {
    await page.getByRole('button', { name: `Actions for ${url}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.getByRole('heading', { name: 'Delete this endpoint?' })).toBeVisible();
    await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByText('No endpoints yet')).toBeVisible();
    await admin.call('GET', `/webhooks/${webhookId}`, undefined, 404);
  });
});

test('edit and rotate: events narrowed, endpoint disabled, a new secret signs beside the old one', async ({
  page,
  admin,
  login,
}) => {
  const email = await login('hooks-edit');
  const user = await admin.createUser(email);
  const url = `${receiver.url}/rotate/${Date.now()}`;
  const hook = await admin.call<{ id: string; secret: string }>('POST', '/webhooks', { url, userId: user.id }, 201);
  await page.goto(`/webhooks/${hook.id}`);
  await expect(page.getByRole('heading', { name: url })).toBeVisible();

  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Selected events' }).click();
  await dialog.getByRole('checkbox', { name: /key\.deleted/ }).check();
  await dialog.getByRole('switch', { name: 'Enabled' }).click();
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('webhook-status')).toHaveText('Disabled');
  await expect(page.getByText('key.deleted', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send test event' })).toBeDisabled();
  const saved = await admin.call<{ enabled: boolean; events: string[] }>('GET', `/webhooks/${hook.id}`);
  expect(saved).toMatchObject({ enabled: false, events: ['key.deleted'] });

  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const rotate = page.getByRole('dialog');
  await rotate.getByLabel('Old secret keeps signing for').selectOption({ label: '1 hour' });
  await rotate.getByRole('button', { name: 'Rotate secret' }).click();
  const fresh = await rotate.getByLabel('New signing secret').inputValue();
  expect(fresh).toMatch(/^whsec_/);
  expect(fresh).not.toBe(hook.secret);
  await expect(rotate.getByText("You won't see this secret again")).toBeVisible();
  await rotate.getByRole('button', { name: "I've saved the secret" }).click();
  await expect(page.getByText(/previous one signs too until \w{3} \d+, \d{4}, \d\d:\d\d/)).toBeVisible();
  await expect(page.getByText(`${fresh.slice(0, 10)}…`)).toBeVisible();
});

test('an admin sees every endpoint with its owner and adds a platform endpoint', async ({
  page,
  admin,
  servers,
  signInAs,
}) => {
  const owner = await admin.createUser(uniqueEmail('hook-owner'));
  const userUrl = `${receiver.url}/user/${Date.now()}`;
  await admin.call('POST', '/webhooks', { url: userUrl, userId: owner.id, description: 'CRM sync' }, 201);
  await signInAs(page, servers.adminEmail);

  // /webhooks is the consumers' page; an admin lands on the list of every endpoint.
  await page.goto('/webhooks');
  await expect(page).toHaveURL(/\/admin\/webhooks$/);
  await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
  const userRow = page.getByTestId('webhook-row').filter({ hasText: userUrl });
  await expect(userRow.getByTestId('webhook-owner')).toHaveText(owner.email);

  const platformUrl = `${receiver.url}/platform/${Date.now()}`;
  await page.getByRole('button', { name: 'Add platform endpoint' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Endpoint URL').fill(platformUrl);
  await dialog.getByRole('button', { name: 'Selected events' }).click();
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(dialog.getByText('Events choose at least one')).toBeVisible();
  // Platform endpoints may also hear about the platform's own rate limiting.
  await dialog.getByRole('checkbox', { name: /ratelimit\.degraded/ }).check();
  await dialog.getByRole('checkbox', { name: /key\.created/ }).check();
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(dialog.getByLabel('Signing secret')).toHaveValue(/^whsec_/);
  await dialog.getByRole('button', { name: "I've saved the secret" }).click();

  const platformRow = page.getByTestId('webhook-row').filter({ hasText: platformUrl });
  await expect(platformRow.getByTestId('webhook-owner')).toHaveText('Platform');
  await expect(platformRow).toContainText('ratelimit.degraded');
  await expect(platformRow).toContainText('key.created');
  const list = await admin.call<{ data: { url: string; userId: string | null; events: string[] }[] }>(
    'GET',
    '/webhooks',
  );
  expect(list.data.find((hook) => hook.url === platformUrl)).toMatchObject({
    userId: null,
    events: ['ratelimit.degraded', 'key.created'],
  });

  for (const viewport of DESKTOP_AND_PHONE) {
    await page.setViewportSize(viewport);
    await noHorizontalScroll(page);
    await shoot(page, `admin-webhooks-${viewport.name}`);
  }
  await page.setViewportSize(DESKTOP_AND_PHONE[0]);

  // The delivery log of a user's endpoint, opened by an admin, names its owner.
  await userRow.getByRole('link', { name: userUrl }).click();
  await expect(page.getByRole('heading', { name: userUrl })).toBeVisible();
  await expect(page.getByText(owner.email)).toBeVisible();
  await page.getByRole('link', { name: 'Webhooks' }).first().click();
  await expect(page).toHaveURL(/\/admin\/webhooks$/);
});

test('a URL the gateway refuses shows its message at the URL field', async ({ page, login }) => {
  await login('hooks-invalid');
  await page.goto('/webhooks');
  await page.getByRole('button', { name: 'Add endpoint' }).first().click();
  const dialog = page.getByRole('dialog');
  const field = dialog.getByLabel('Endpoint URL');

  await field.fill('ftp://example.com/hooks');
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.locator('#create-webhook-url-error')).toHaveText('Endpoint URL must use https (or http)');
  await expect(field).toHaveAccessibleDescription('Endpoint URL must use https (or http)');

  await field.fill('https://user:secret@example.com/hooks');
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(dialog.locator('#create-webhook-url-error')).toHaveText(
    'Endpoint URL must not contain a user name or password',
  );
  // Nothing else is reported apart from the field, and nothing was created.
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await screenshot(page, 'webhook-url-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('No endpoints yet')).toBeVisible();
});

test.describe('with a gateway that refuses private addresses (its default)', () => {
  let strict: RunningStack;

  test.beforeAll(async () => {
    strict = await startStack({ name: 'webhooks-strict', env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' } });
  });

  test.afterAll(async () => {
    await strict?.stop();
  });

  test('a private or local URL is refused at the URL field, saying why', async ({ page }) => {
    await signInWithMailedLink(page, strict, uniqueEmail('ssrf'));
    await page.goto(`${strict.dashboardUrl}/webhooks`);
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const dialog = page.getByRole('dialog');
    const field = dialog.getByLabel('Endpoint URL');
    const error = dialog.locator('#create-webhook-url-error');

    await field.fill('http://10.0.0.5/hooks');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(error).toHaveText(
      'Endpoint URL must not point at a private address (10.0.0.5) (internal receivers need the gateway operator to set WEBHOOK_ALLOW_PRIVATE_URLS=true)',
    );
    await field.fill('http://localhost:3002/keys');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(error).toContainText('Endpoint URL must not point at this machine (localhost)');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByRole('alert')).toHaveCount(0);
    await screenshot(page, 'webhook-url-private');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByText('No endpoints yet')).toBeVisible();
  });
});

/** Pictures for the README (copied to docs/screenshots/webhooks.png and webhook-deliveries.png). */
test('README pictures: a consumer’s endpoints and a delivery log', async ({ page, admin, signInAs }) => {
  const user = await admin.createUser(uniqueEmail('maria'));
  const billing = await admin.call<{ id: string }>(
    'POST',
    '/webhooks',
    {
      url: `${receiver.url}/billing/webhooks`,
      description: 'Billing service',
      events: ['key.created', 'key.updated', 'key.deleted'],
      userId: user.id,
    },
    201,
  );
  const audit = await admin.call<{ id: string }>(
    'POST',
    '/webhooks',
    { url: `${receiver.url}/security/audit-sink`, description: 'Security audit sink', userId: user.id },
    201,
  );
  await admin.call('PATCH', `/webhooks/${audit.id}`, { enabled: false });
  const checkout = await admin.createKey(user.id, { name: 'Checkout service' });
  await admin.updateKey(checkout.id, { limitPerMinute: 120 });
  await admin.createKey(user.id, { name: 'Mobile app' });
  // Those three events arrive; then the receiver has an outage and the test event waits to be retried.
  await expect.poll(() => receiver.received.filter((d) => d.path === '/billing/webhooks').length).toBe(3);
  receiver.answerWith(503);
  await admin.call('POST', `/webhooks/${billing.id}/test`, undefined, 202);

  await signInAs(page, user.email);
  await page.goto('/webhooks');
  await expect(page.getByTestId('webhook-row')).toHaveCount(2);
  await screenshot(page, 'readme-webhooks', { fullPage: false });

  await page.getByRole('link', { name: `${receiver.url}/billing/webhooks` }).click();
  const rows = page.getByTestId('delivery-row');
  await expect(rows).toHaveCount(4);
  const retrying = rows.filter({ hasText: 'webhook.test' });
  await expect(retrying.getByTestId('delivery-status')).toHaveText('Retrying');
  receiver.answerWith(200);
  await retrying.getByRole('button', { name: /webhook\.test/ }).click();
  await page.mouse.move(0, 0);
  await screenshot(page, 'readme-webhook-deliveries', { fullPage: false });
});
