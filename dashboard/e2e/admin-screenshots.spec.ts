import { expect, proxy, screenshot, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'mobile', width: 390, height: 844 },
] as const;

/**
 * Every admin page at desktop and phone width, with some real data behind it, saved to
 * test-results/screenshots/admin-<page>-<width>.png for people to look at. The checks make sure each
 * shot shows the loaded page, not a spinner or an error.
 */
test('admin pages at desktop and phone widths', async ({ page, admin, servers }) => {
  test.setTimeout(180_000);
  const ivy = await admin.createUser(uniqueEmail('ivy'));
  const jon = await admin.createUser(uniqueEmail('jon'));
  const web = await admin.createKey(ivy.id, { name: 'Storefront', limitPerMinute: 1000 });
  const batch = await admin.createKey(ivy.id, { name: 'Nightly export', limitPerMinute: 3 });
  await admin.createKey(jon.id, { name: 'Mobile app' });
  for (let i = 0; i < 25; i++) await proxy(servers.proxyUrl, web.key);
  for (let i = 0; i < 8; i++) await proxy(servers.proxyUrl, batch.key);
  await admin.updateKey(batch.id, { active: false });
  await admin.call('POST', '/tokens', { name: 'Terraform', scope: 'write' }, 201);
  const slug = `shots-${Date.now().toString(36)}`;
  await admin.call(
    'POST',
    '/routes',
    { name: slug, prefix: `/${slug}`, targets: ['http://orders.internal:8080/v2'] },
    201,
  );
  await admin.call(
    'POST',
    '/plans',
    {
      name: slug,
      windows: [
        { unit: 'minute', limit: 600 },
        { unit: 'month', limit: 100_000, scope: 'owner' },
      ],
    },
    201,
  );

  await signInWithMailedLink(page, servers, servers.adminEmail, { via: 'api' });
  await page.goto('/admin?range=1h');
  // Usage is written in the background: wait until the overview counts this traffic.
  await expect
    .poll(
      async () => {
        await page.reload();
        const requests = page.getByTestId('stat-requests').getByTestId('stat-value');
        return Number((await requests.textContent())?.replaceAll(',', ''));
      },
      { timeout: 20_000 },
    )
    .toBeGreaterThanOrEqual(33);
  const pages = [
    { name: 'overview', path: '/admin?range=1h', ready: page.getByTestId('top-by-requests') },
    { name: 'users', path: '/admin/users', ready: page.getByTestId('shown-count') },
    { name: 'user', path: `/admin/users/${ivy.id}`, ready: page.getByTestId('user-audit').getByTestId('shown-count') },
    { name: 'keys', path: '/admin/keys', ready: page.getByTestId('shown-count') },
    { name: 'audit', path: '/admin/audit', ready: page.getByTestId('shown-count') },
    { name: 'tokens', path: '/admin/tokens', ready: page.getByText('Terraform').filter({ visible: true }).first() },
    { name: 'settings', path: '/admin/settings', ready: page.getByLabel('Keys per user') },
    { name: 'routes', path: '/admin/routes', ready: page.locator(`[data-route-name="${slug}"]`) },
    { name: 'plans', path: '/admin/plans', ready: page.locator(`[data-plan-name="${slug}"]`) },
  ];

  for (const { name: size, width, height } of WIDTHS) {
    await page.setViewportSize({ width, height });
    for (const { name, path, ready } of pages) {
      await page.goto(path);
      await expect(ready).toBeVisible();
      await expect(page.getByRole('status', { name: /^Loading/ })).toHaveCount(0);
      await expect(page.locator('main [role="alert"]')).toHaveCount(0); // (Next's route announcer is an alert too)
      // Nothing may be wider than the screen (a table that does not fit must scroll inside its card).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} at ${width}px is ${overflow}px wider than the window`).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-${name}-${size}`);
    }
  }
});
