import { DESKTOP_AND_PHONE, expect, proxy, screenshot, test, uniqueEmail } from './support/fixtures';

// The usage page's "Recent requests" table, as a person reads it at desktop and phone widths.

for (const viewport of DESKTOP_AND_PHONE) {
  test.describe(`at ${viewport.name} width`, () => {
    test.beforeEach(async ({ page }) => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
    });

    test('recent requests: the latency is in view and columns keep their widths from page to page', async ({
      page,
      admin,
      servers,
      signInAs,
    }) => {
      const email = uniqueEmail(`log-${viewport.name}`);
      const key = await admin.createKey((await admin.createUser(email)).id, { name: 'Log key' });
      // Page 2 (older): short paths. Page 1 (newest 20): long paths, which an auto-sized table widens for.
      for (let i = 0; i < 5; i++) await proxy(servers.proxyUrl, key.key, '/json');
      for (let i = 0; i < 20; i++) {
        await proxy(servers.proxyUrl, key.key, `/orders/${'0123456789abcdef'.repeat(4)}/items/${i}`);
      }
      await signInAs(page, email, { via: 'api' });
      await page.goto(`/keys/${key.id}`);
      await expect(page.getByTestId('stat-requests').getByTestId('stat-value')).toHaveText('25', { timeout: 20_000 });

      const table = page.getByRole('table', { name: 'Recent requests' });
      const headerWidths = () =>
        table.locator('th').evaluateAll((cells) => cells.map((cell) => Math.round(cell.getBoundingClientRect().width)));
      await expect(page.getByTestId('log-row')).toHaveCount(20);
      const first = await headerWidths();

      // Nothing hides in a sideways scroll box, and every row's latency is on screen once scrolled down to.
      const container = page.locator('[data-slot="table-container"]').filter({ has: table });
      expect(await container.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      await table.evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().top - 80));
      const latency = page.getByTestId('log-row').first().getByRole('cell').last();
      await expect(latency).toBeInViewport({ ratio: 1 });
      await expect(latency).toHaveText(/^\d[\d.,]* ms$/);
      const box = await latency.boundingBox();
      expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
      await screenshot(page, `recent-requests-${viewport.name}`);

      await page.getByRole('button', { name: 'Older' }).click();
      await expect(page.getByText('Newest first · page 2')).toBeVisible();
      await expect(page.getByTestId('log-row')).toHaveCount(5);
      expect(await headerWidths()).toEqual(first);
      await expect(page.getByTestId('log-row').first().getByRole('cell').last()).toBeInViewport({ ratio: 1 });
    });
  });
}
