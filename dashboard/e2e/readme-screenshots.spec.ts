import { expect, proxy, screenshot, test } from './support/fixtures';

/**
 * Pictures for the README: sign-in and its check-your-inbox step at desktop and phone widths, then a
 * realistic account's keys and usage at 1280×800. Saved as test-results/screenshots/readme-<name>.png;
 * docs/screenshots/<name>.png are copies of keys, usage, analytics, login, check-inbox and check-inbox-mobile.
 */
test('sign-in and check-your-inbox at desktop and phone widths', async ({ page }) => {
  for (const [suffix, viewport] of [
    ['', { width: 1280, height: 800 }],
    ['-mobile', { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.goto('/login');
    await expect(page.getByRole('button', { name: 'Email me a sign-in link' })).toBeEnabled();
    await page.getByLabel('Email').fill('jane@example.com');
    await page.getByLabel('Email').blur();
    await screenshot(page, `readme-login${suffix}`, { fullPage: false });

    // Each run has a fresh gateway, so this address is far from its per-email request limit.
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await screenshot(page, `readme-check-inbox${suffix}`, { fullPage: false });
  }
});

test('keys and usage pages with a realistic account', async ({ page, servers, admin, signInAs }) => {
  const user = await admin.createUser('jane.doe@example.com');
  const checkout = await admin.createKey(user.id, {
    name: 'Checkout service',
    limitPerMinute: 30,
    limitPerDay: 50_000,
  });
  const mobile = await admin.createKey(user.id, { name: 'Mobile app', limitPerMinute: 600 });
  await admin.createKey(user.id, { name: 'Partner sandbox', limitPerMinute: 10, limitPerDay: 1_000 });
  const legacy = await admin.createKey(user.id, { name: 'Legacy integration' });
  await admin.updateKey(legacy.id, { active: false });

  const paths = ['/json', '/delay/35', '/json?page=2', '/delay/80', '/echo', '/status/404', '/delay/12', '/status/500'];
  for (let i = 0; i < 36; i++) await proxy(servers.proxyUrl, checkout.key, paths[i % paths.length]);
  for (let i = 0; i < 5; i++) await proxy(servers.proxyUrl, mobile.key, '/json');

  await signInAs(page, user.email);
  await expect(page.getByTestId('key-row')).toHaveCount(4);
  await expect(page.getByTestId('key-row').filter({ hasText: 'Legacy integration' })).toContainText('Disabled');
  await screenshot(page, 'readme-keys', { fullPage: false });

  await page.getByRole('link', { name: 'Checkout service', exact: true }).click();
  const requests = page.getByTestId('stat-requests').getByTestId('stat-value');
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(requests).toHaveText('36', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId('stat-rate-limited').getByTestId('stat-value')).not.toHaveText('0');
  await page.getByRole('button', { name: '1 h' }).click();
  await expect(page.locator('figure .recharts-bar-rectangle').first()).toBeVisible();
  await page.mouse.move(0, 0);
  await screenshot(page, 'readme-usage', { fullPage: false });
  await screenshot(page, 'usage-full');

  // The same account's analytics, broken down by path.
  await page.goto('/analytics?range=1h&by=path');
  await expect(page.getByTestId('stat-requests').getByTestId('stat-value')).toHaveText('41');
  await expect(page.getByTestId('group-row').first()).toBeVisible();
  await page.mouse.move(0, 0);
  await screenshot(page, 'readme-analytics', { fullPage: false });
});
