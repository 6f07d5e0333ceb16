import { expect, proxy, screenshot, test } from './support/fixtures';

test.describe.configure({ mode: 'serial' });

test('a key from creation to deletion: create, use, watch usage, disable, limit, delete', async ({
  page,
  context,
  baseURL,
  servers,
  login,
}) => {
  const proxyUrl = servers.proxyUrl;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  let rawKey = '';
  let keyId = '';

  await test.step('sign in with a mailed link', async () => {
    await page.goto('/keys');
    await expect(page).toHaveURL(/\/login\?next=%2Fkeys$/); // no session yet: sent to the login page
    await screenshot(page, 'login');
    await login('owner');
    await expect(page.getByText('No API keys yet')).toBeVisible();
  });

  await test.step('create a key: the raw key is shown once, with a copy button', async () => {
    await page.getByRole('button', { name: 'Create key' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Checkout service');
    await dialog.getByLabel('Requests per minute').fill('100');
    await dialog.getByLabel('Requests per day').fill('5000');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    await expect(dialog.getByRole('heading', { name: 'Save your API key' })).toBeVisible();
    await expect(dialog.getByText("You won't see this key again")).toBeVisible();
    rawKey = await dialog.getByLabel('API key').inputValue();
    expect(rawKey).toMatch(/^ak_[1-9A-HJ-NP-Za-km-z]{20,}$/);
    // Where to call the API with it: the proxy listener, never the management API.
    await expect(dialog.locator('#created-key-example')).toHaveText(
      `curl ${proxyUrl}/proxy/ \\\n  -H "X-API-Key: ${rawKey}"`,
    );

    await dialog.getByRole('button', { name: 'Copy' }).click();
    await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(rawKey);
    await screenshot(page, 'create-dialog');

    await dialog.getByRole('button', { name: "I've saved my key" }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId('key-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Checkout service');
    await expect(row).toContainText('100/min');
    await expect(row).toContainText('5,000/day');
    await expect(row.getByTestId('key-status')).toHaveText('Active');
    const start = (await row.locator('code').textContent())?.replace('…', '') ?? '';
    expect(rawKey.startsWith(start)).toBe(true);
    keyId = (await row.getAttribute('data-key-id')) ?? '';
    // The raw key is gone from the page once the dialog is closed.
    await expect(page.getByText(rawKey)).toHaveCount(0);
  });

  await test.step('proxied requests show up on the usage page', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await proxy(proxyUrl, rawKey, '/json'));
    statuses.push(await proxy(proxyUrl, rawKey, '/echo', { method: 'POST', body: '{"hello":"world"}' }));
    for (let i = 0; i < 2; i++) statuses.push(await proxy(proxyUrl, rawKey, '/status/404'));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 404, 404]);

    await page.getByRole('link', { name: 'Checkout service', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/keys/${keyId}$`));
    await expect(page.getByRole('heading', { name: 'Checkout service' })).toBeVisible();
    const requests = page.getByTestId('stat-requests').getByTestId('stat-value');
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(requests).toHaveText('8', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });

    await expect(page.getByTestId('status-2xx').getByTestId('status-count')).toHaveText('6');
    await expect(page.getByTestId('status-4xx').getByTestId('status-count')).toHaveText('2');
    await expect(page.getByTestId('stat-rate-limited').getByTestId('stat-value')).toHaveText('0');
    await expect(page.getByTestId('stat-latency-p50').getByTestId('stat-value')).toContainText('ms');
    await expect(page.getByTestId('latency-percentiles')).toContainText(/p95 .*ms · p99 .*ms/);
    await expect(page.locator('figure .recharts-bar-rectangle').first()).toBeVisible();
    await expect(page.getByTestId('log-row')).toHaveCount(8);
    await expect(page.getByTestId('log-row').filter({ hasText: 'POST' })).toContainText('/echo');

    await page.getByRole('button', { name: '1 h' }).click();
    await expect(page.getByRole('button', { name: '1 h' })).toHaveAttribute('aria-pressed', 'true');
    await expect(page).toHaveURL(/\?range=1h$/);
    await expect(requests).toHaveText('8');
    await screenshot(page, 'usage');
  });

  await test.step('disabling the key makes the gateway answer 403', async () => {
    await page.getByRole('link', { name: 'API keys' }).first().click();
    await page.getByRole('switch', { name: 'Disable key Checkout service' }).click();
    await expect(page.getByTestId('key-row').getByTestId('key-status')).toHaveText('Disabled');
    await expect.poll(() => proxy(proxyUrl, rawKey)).toBe(403);
    await page.reload(); // the change is stored by the gateway, not just shown
    await expect(page.getByTestId('key-row').getByTestId('key-status')).toHaveText('Disabled');
    await page.getByRole('switch', { name: 'Enable key Checkout service' }).click();
    await expect(page.getByTestId('key-row').getByTestId('key-status')).toHaveText('Active');
    await expect.poll(() => proxy(proxyUrl, rawKey)).toBe(200);
  });

  await test.step('edit limits: the API rejects 0, accepts 2/min', async () => {
    await page.getByRole('button', { name: 'Edit Checkout service' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Requests per minute').fill('0');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByText('Requests per minute must be at least 1')).toBeVisible();
    await expect(dialog.getByLabel('Requests per minute')).toHaveAttribute('aria-invalid', 'true');

    await dialog.getByLabel('Requests per minute').fill('2');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('key-row')).toContainText('2/min');
  });

  await test.step('over the minute limit the gateway answers 429, and usage counts them', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await proxy(proxyUrl, rawKey));
    const rejected = statuses.filter((s) => s === 429).length;
    expect(rejected).toBeGreaterThanOrEqual(3);

    await page.getByRole('link', { name: 'Usage of Checkout service' }).click();
    const rateLimited = page.getByTestId('stat-rate-limited').getByTestId('stat-value');
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(rateLimited).toHaveText(String(rejected), { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await expect(page.getByTestId('log-row').filter({ hasText: '429' }).first()).toBeVisible();
    await expect(page.getByTestId('log-row').filter({ hasText: '403' }).first()).toBeVisible();
    await screenshot(page, 'usage-rate-limited');
  });

  await test.step('delete the key behind a confirmation', async () => {
    await page.getByRole('link', { name: 'API keys' }).first().click();
    await page.getByRole('button', { name: 'Delete Checkout service' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText('Delete “Checkout service”?');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('key-row')).toHaveCount(1);

    await page.getByRole('button', { name: 'Delete Checkout service' }).click();
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByText('No API keys yet')).toBeVisible();
    await expect.poll(() => proxy(proxyUrl, rawKey)).toBe(401);
  });

  await test.step('sign out ends the session', async () => {
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/keys');
    await expect(page).toHaveURL(/\/login\?next=/);
  });
});
