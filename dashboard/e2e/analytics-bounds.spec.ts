import { adminApi, expect, proxy, screenshot, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { type RunningStack, startStack } from './support/servers';

// A path breakdown reads every request of the window one by one; over a window holding more than
// USAGE_MAX_RAW_SCAN_ROWS requests the gateway answers 400 instead. The analytics page must say why and
// offer a question it can answer, not a "couldn't load" error with a retry that cannot help. This stack's
// gateway allows 5 rows, so a handful of real proxied requests is "too many".
let stack: RunningStack;

test.beforeAll(async () => {
  stack = await startStack({ name: 'raw-scan', env: { USAGE_MAX_RAW_SCAN_ROWS: '5' } });
});

test.afterAll(async () => {
  await stack?.stop();
});

test('a path breakdown over too many requests says why and leads back to one the gateway answers', async ({ page }) => {
  const admin = adminApi(stack);
  const owner = await admin.createUser(uniqueEmail('bounds'));
  const key = await admin.createKey(owner.id, { name: 'Busy', limitPerMinute: 1000 });
  for (let i = 0; i < 8; i++) expect(await proxy(stack.proxyUrl, key.key, `/json?i=${i}`)).toBe(200);
  // The bound is counted from the per-key hourly tier, which the usage writer fills within ~100 ms.
  await expect
    .poll(async () => (await admin.call<{ totals: { requests: number } }>('GET', '/usage')).totals.requests)
    .toBe(8);

  await signInWithMailedLink(page, stack, stack.adminEmail, { via: 'api' });
  await page.goto(`${stack.dashboardUrl}/analytics?by=path`);
  await expect(page.getByRole('heading', { name: 'Too many requests to read one by one' })).toBeVisible();
  await expect(page.getByTestId('too-broad-reason')).toHaveText(
    'groupBy=path and pathPrefix read every request of the window: this window holds about 8 requests, at most 5 may be read per question: choose a shorter window, a key or user filter',
  );
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await screenshot(page, 'analytics-too-broad');
  // On a phone the reason and the way out fit the screen's width.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('button', { name: 'Break down by key' })).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'analytics-too-broad-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole('button', { name: 'Break down by key' }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(page.getByRole('heading', { name: 'Too many requests to read one by one' })).toHaveCount(0);
  const row = page.locator(`[data-testid="group-row"][data-value="${key.id}"]`);
  await expect(row).toContainText('Busy');
  await expect(page.getByTestId('stat-requests').getByTestId('stat-value')).toHaveText('8');

  // A path filter over the same window is refused alike; the notice offers to drop it.
  await page.goto(`${stack.dashboardUrl}/analytics?pathPrefix=%2Fjson`);
  await expect(page.getByTestId('too-broad-reason')).toBeVisible();
  await page.getByRole('button', { name: 'Remove the path filter' }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(row).toContainText('Busy');
});
