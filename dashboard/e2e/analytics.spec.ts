import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import {
  DESKTOP_AND_PHONE,
  expect,
  proxy,
  screenshot,
  signInWithMailedLink,
  test,
  uniqueEmail,
} from './support/fixtures';

// The analytics page (issue 14 item 4) against the real gateway: numbers equal to the traffic sent
// through /proxy, a breakdown row narrowing the page, the request log, exports, and each role's scope.

const statValue = (page: Page, stat: string) => page.getByTestId(`stat-${stat}`).getByTestId('stat-value');
const groupRow = (page: Page, value: string) => page.locator(`[data-testid="group-row"][data-value="${value}"]`);
const tab = (page: Page, name: string) =>
  page.getByRole('group', { name: 'Group by' }).getByRole('button', { name, exact: true });

async function downloadFrom(page: Page, item: string): Promise<{ download: Download; text: string }> {
  await page.getByRole('button', { name: 'Export' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: item }).click();
  const download = await downloading;
  return { download, text: await readFile((await download.path()) as string, 'utf8') };
}

/** CSV rows as objects keyed by the header (no quoted commas in what these tests send). */
function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = (header ?? '').split(',');
  return lines.map((line) =>
    Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell.replace(/^"|"$/g, '')])),
  );
}

test('admin: numbers match the traffic, a row narrows the page, drill-down to the log, back undoes it', async ({
  page,
  admin,
  servers,
}) => {
  const ivy = await admin.createUser(uniqueEmail('ivy'));
  const jon = await admin.createUser(uniqueEmail('jon'));
  const shop = await admin.createKey(ivy.id, { name: 'Shop', limitPerMinute: 1000 });
  const batch = await admin.createKey(ivy.id, { name: 'Batch', limitPerMinute: 2 });
  const mobile = await admin.createKey(jon.id, { name: 'Mobile' });
  // Shop: 3 × 200 and one 404 on GET, one POST. Batch: two pass, the third is rate limited. Jon: 2.
  for (const path of ['/json', '/json', '/json', '/status/404']) await proxy(servers.proxyUrl, shop.key, path);
  expect(await proxy(servers.proxyUrl, shop.key, '/echo', { method: 'POST', body: 'hello' })).toBe(200);
  const batchStatuses: number[] = [];
  for (let i = 0; i < 3; i++) batchStatuses.push(await proxy(servers.proxyUrl, batch.key, '/json'));
  expect(batchStatuses).toEqual([200, 200, 429]);
  for (let i = 0; i < 2; i++) await proxy(servers.proxyUrl, mobile.key, '/json');

  await signInWithMailedLink(page, servers, servers.adminEmail, { via: 'api' });
  await page.goto('/admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(page.getByRole('heading', { name: 'Analytics' })).toBeVisible();
  await expect(tab(page, 'User')).toBeVisible(); // admins may break down by owner

  // Ivy's traffic only (other tests share this gateway): 8 requests, 404 and 429 are errors.
  await page.goto(`/analytics?range=1h&userId=${ivy.id}`);
  await expect(page.getByTestId('filter-userId')).toContainText(`User: ${ivy.email}`);
  await expect(statValue(page, 'requests')).toHaveText('8', { timeout: 20_000 });
  await expect(statValue(page, 'error-rate')).toHaveText('25%');
  await expect(page.getByTestId('stat-error-rate')).toContainText('2 answered 4xx or 5xx');
  await expect(statValue(page, 'rate-limited')).toHaveText('12.5%');
  await expect(page.getByTestId('stat-rate-limited')).toContainText('1 rejected with 429');
  await expect(statValue(page, 'active-keys')).toHaveText('2');
  await expect(page.getByTestId('latency-percentiles')).toContainText(/p50\s*\d[\d.,]* ms/);
  await expect(page.getByText('Last hour, 1 min buckets')).toBeVisible();

  // By key: Shop then Batch (most requests first); Jon's key is not within the filter.
  await expect(page.getByTestId('group-row')).toHaveCount(2);
  await expect(page.getByTestId('group-row').first()).toHaveAttribute('data-value', shop.id);
  await expect(groupRow(page, shop.id).getByTestId('group-requests')).toHaveText('5');
  await expect(groupRow(page, shop.id).getByTestId('group-errors')).toHaveText('1');
  await expect(groupRow(page, batch.id).getByTestId('group-requests')).toHaveText('3');
  await expect(groupRow(page, batch.id).getByTestId('group-429')).toHaveText('1');
  await expect(groupRow(page, mobile.id)).toHaveCount(0);

  // A row narrows the page to it (and the URL says so).
  await groupRow(page, shop.id).click();
  await expect(page).toHaveURL(new RegExp(`keyId=${shop.id}`));
  await expect(page.getByTestId('filter-keyId')).toContainText('Key: Shop');
  await expect(statValue(page, 'requests')).toHaveText('5');
  await tab(page, 'Method').click();
  await expect(groupRow(page, 'GET').getByTestId('group-requests')).toHaveText('4');
  await expect(groupRow(page, 'POST').getByTestId('group-requests')).toHaveText('1');
  await tab(page, 'Status').click();
  await expect(groupRow(page, '200').getByTestId('group-requests')).toHaveText('4');
  await expect(groupRow(page, '404').getByTestId('group-requests')).toHaveText('1');

  // "View requests" on the 404 row: the request log with that filter too.
  await groupRow(page, '404')
    .getByRole('button', { name: /View requests/ })
    .click();
  await expect(page).toHaveURL(/view=requests/);
  await expect(page).toHaveURL(/status=404/);
  await expect(page.getByTestId('request-row')).toHaveCount(1);
  await expect(page.getByTestId('request-line')).toHaveText('GET /status/404');
  await expect(page.getByTestId('request-status')).toHaveText('404');
  await expect(page.getByTestId('request-key')).toHaveText('Shop');
  await expect(statValue(page, 'requests')).toHaveText('1');

  // Removing a filter widens the log: all of Shop's requests, newest first.
  await page.getByRole('button', { name: 'Remove filter Status: 404' }).click();
  await expect(page.getByTestId('request-row')).toHaveCount(5);
  await expect(page.getByTestId('request-line').first()).toHaveText('POST /echo');

  // The back button undoes each step: the status filter again, then the breakdown, then the key filter.
  await page.goBack();
  await expect(page.getByTestId('request-row')).toHaveCount(1);
  await page.goBack();
  await expect(page.getByTestId('breakdown')).toBeVisible();
  await expect(page).not.toHaveURL(/status=/);
  await expect(tab(page, 'Status')).toHaveAttribute('aria-pressed', 'true');
  await page.goBack();
  await expect(tab(page, 'Method')).toHaveAttribute('aria-pressed', 'true');
  await page.goBack();
  await expect(tab(page, 'Key')).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/keyId=/);
  await page.goBack();
  await expect(page).not.toHaveURL(/keyId=/);
  await expect(statValue(page, 'requests')).toHaveText('8');
});

test('a user sees only their own traffic: totals, breakdowns, log, export and foreign filters', async ({
  page,
  admin,
  servers,
  signInAs,
}) => {
  const ana = await admin.createUser(uniqueEmail('ana'));
  const ben = await admin.createUser(uniqueEmail('ben'));
  const anaKey = await admin.createKey(ana.id, { name: 'Ana app', limitPerMinute: 1000 });
  const benKey = await admin.createKey(ben.id, { name: 'Ben app', limitPerMinute: 1000 });
  for (let i = 0; i < 4; i++) await proxy(servers.proxyUrl, benKey.key, '/json');

  await signInAs(page, ana.email, { via: 'api' });
  await page.goto('/keys');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page.getByRole('heading', { name: 'Analytics' })).toBeVisible();
  await expect(page.getByText('Traffic of your API keys.')).toBeVisible();
  // Nothing yet: the empty state, no made-up percentages.
  await expect(statValue(page, 'requests')).toHaveText('0');
  await expect(statValue(page, 'error-rate')).toHaveText('–');
  await expect(page.getByText('No requests in this period', { exact: true })).toBeVisible();
  await expect(tab(page, 'User')).toHaveCount(0);

  // Traffic arrives while the page is open: the numbers follow by themselves.
  for (const path of ['/json', '/json', '/status/500']) await proxy(servers.proxyUrl, anaKey.key, path);
  await expect(statValue(page, 'requests')).toHaveText('3', { timeout: 20_000 });
  await expect(statValue(page, 'error-rate')).toHaveText('33.3%');
  await expect(page.getByTestId('group-row')).toHaveCount(1);
  await expect(groupRow(page, anaKey.id)).toContainText('Ana app');

  await page.getByRole('button', { name: 'View requests', exact: true }).click();
  await expect(page.getByTestId('request-row')).toHaveCount(3);
  await expect(page.getByTestId('request-key')).toHaveText(['Ana app', 'Ana app', 'Ana app']);

  const { download, text } = await downloadFrom(page, 'Request log (CSV)');
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const rows = parseCsv(text);
  expect(rows).toHaveLength(3);
  expect(new Set(rows.map((row) => row.keyId))).toEqual(new Set([anaKey.id]));
  expect(text).not.toContain(benKey.id);

  // Ben's key in the URL narrows Ana's view to nothing; it never widens it to Ben's traffic.
  // (The gateway answers a foreign id as it answers one that does not exist: nothing matches.)
  await page.goto(`/analytics?keyId=${benKey.id}`);
  await expect(page.getByTestId('filter-keyId')).toBeVisible();
  await expect(statValue(page, 'requests')).toHaveText('0');
  await expect(page.getByText('No requests match')).toBeVisible();
  await expect(page.getByText('Ben app')).toHaveCount(0);
  const foreign = await page.request.get(`${servers.managementUrl}/usage?keyId=${benKey.id}`);
  expect(foreign.status()).toBe(200);
  expect((await foreign.json()).totals.requests).toBe(0);
  const foreignLog = await page.request.get(`${servers.managementUrl}/usage/logs?keyId=${benKey.id}`);
  expect(foreignLog.status()).toBe(200);
  expect((await foreignLog.json()).data).toEqual([]);
  const byUser = await page.request.get(`${servers.managementUrl}/usage/export?format=ndjson&groupBy=key`);
  expect(byUser.ok()).toBe(true);
  expect(await byUser.text()).not.toContain(benKey.id);
});

test('the request log pages with "Load more"; a grouped export holds every group', async ({
  page,
  admin,
  servers,
  signInAs,
}) => {
  const email = uniqueEmail('bulk');
  const key = await admin.createKey((await admin.createUser(email)).id, { name: 'Bulk', limitPerMinute: 1000 });
  for (let i = 0; i < 55; i++) await proxy(servers.proxyUrl, key.key, `/json?i=${i}`);
  for (let i = 0; i < 5; i++) await proxy(servers.proxyUrl, key.key, '/status/503');

  await signInAs(page, email, { via: 'api' });
  await page.goto('/analytics?view=requests');
  await expect(statValue(page, 'requests')).toHaveText('60', { timeout: 20_000 });
  await expect(page.getByTestId('request-row')).toHaveCount(50);
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(page.getByTestId('request-row')).toHaveCount(60);
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  await expect(page.getByTestId('shown-count')).toHaveText('60 requests');
  await expect(page.getByTestId('request-line').first()).toHaveText('GET /status/503');

  await page.getByRole('button', { name: 'Breakdown' }).click();
  await tab(page, 'Status').click();
  const { text } = await downloadFrom(page, 'By status (NDJSON)');
  const groups = text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { value: string; requests: number; errors: number });
  expect(groups.map(({ value, requests, errors }) => ({ value, requests, errors }))).toEqual([
    { value: '200', requests: 55, errors: 0 },
    { value: '503', requests: 5, errors: 5 },
  ]);
});

test('a filter the gateway refuses shows why, and removing it recovers', async ({ page, login }) => {
  await login('bad-filter');
  await page.goto('/analytics?status=999');
  await expect(page.getByRole('heading', { name: "Couldn't load analytics" })).toBeVisible();
  await page.getByRole('button', { name: 'Remove filter Status: 999' }).click();
  await expect(statValue(page, 'requests')).toHaveText('0');
  await expect(page.getByRole('heading', { name: "Couldn't load analytics" })).toHaveCount(0);
});

for (const viewport of DESKTOP_AND_PHONE) {
  test(`at ${viewport.name} width: readable buckets per range, nothing wider than the screen`, async ({
    page,
    admin,
    servers,
    signInAs,
  }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const email = uniqueEmail(`analytics-${viewport.name}`);
    const user = await admin.createUser(email);
    const web = await admin.createKey(user.id, { name: 'Storefront', limitPerMinute: 1000 });
    const cron = await admin.createKey(user.id, { name: 'Nightly export', limitPerMinute: 3 });
    for (let i = 0; i < 12; i++) await proxy(servers.proxyUrl, web.key, i % 4 === 0 ? '/status/404' : '/json');
    for (let i = 0; i < 5; i++) await proxy(servers.proxyUrl, cron.key, `/orders/${i}/items`);
    await signInAs(page, email, { via: 'api' });

    const buckets = { '1 h': '1 min', '24 h': '1 h', '7 d': '6 h', '30 d': '1 day' } as const;
    await page.goto('/analytics');
    await expect(statValue(page, 'requests')).toHaveText('17', { timeout: 20_000 });
    for (const [range, bucket] of Object.entries(buckets)) {
      await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: range, exact: true }).click();
      await expect(page.getByText(new RegExp(`, ${bucket} buckets$`))).toBeVisible();
      await expect(statValue(page, 'requests')).toHaveText('17');
    }
    // One clock: no AM/PM anywhere.
    await expect(page.getByText(/\d(\s|\u202f)?(AM|PM)\b/)).toHaveCount(0);

    await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '24 h', exact: true }).click();
    await tab(page, 'Path').click();
    await expect(page.getByTestId('group-row').first()).toHaveAttribute('data-value', '/json');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow(), 'breakdown wider than the window').toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the picture
    await screenshot(page, `analytics-breakdown-${viewport.name}`);

    await page.getByRole('button', { name: 'View requests', exact: true }).click();
    await expect(page.getByTestId('request-row')).toHaveCount(17);
    expect(await overflow(), 'request log wider than the window').toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the picture
    await screenshot(page, `analytics-requests-${viewport.name}`);

    await page.getByRole('button', { name: 'Export' }).click();
    await expect(page.getByRole('menuitem')).toHaveCount(4);
    expect(await overflow(), 'export menu wider than the window').toBeLessThanOrEqual(0);
    await screenshot(page, `analytics-export-${viewport.name}`, { fullPage: false });
  });
}
