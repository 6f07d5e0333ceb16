import { apiCreateKey, apiLogin, expect, proxy, screenshot, test } from './support/fixtures';

/**
 * A realistic account for the README pictures: several keys, mixed traffic, errors and 429s.
 * Saves test-results/screenshots/readme-{keys,usage}.png at 1280×800 (docs/screenshots/ holds copies).
 */
test('keys and usage pages with a realistic account', async ({ page, gatewayUrl, login }) => {
  const email = await login('jane');
  const { token } = await apiLogin(gatewayUrl, email);
  const checkout = await apiCreateKey(gatewayUrl, token, {
    name: 'Checkout service',
    limitPerMinute: 30,
    limitPerDay: 50_000,
  });
  const mobile = await apiCreateKey(gatewayUrl, token, { name: 'Mobile app', limitPerMinute: 600 });
  await apiCreateKey(gatewayUrl, token, { name: 'Partner sandbox', limitPerMinute: 10, limitPerDay: 1_000 });
  const legacy = await apiCreateKey(gatewayUrl, token, { name: 'Legacy integration' });
  await fetch(`${gatewayUrl}/keys/${legacy.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ active: false }),
  });

  const paths = ['/json', '/delay/35', '/json?page=2', '/delay/80', '/echo', '/status/404', '/delay/12', '/status/500'];
  for (let i = 0; i < 36; i++) await proxy(gatewayUrl, checkout.key, paths[i % paths.length]);
  for (let i = 0; i < 5; i++) await proxy(gatewayUrl, mobile.key, '/json');

  await page.reload();
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
});
