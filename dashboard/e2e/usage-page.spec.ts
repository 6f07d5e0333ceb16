import type { Page } from '@playwright/test';
import { DESKTOP_AND_PHONE, expect, proxy, screenshot, test, uniqueEmail } from './support/fixtures';

// What a person reads on a key's usage page: numbers that refresh, charts with readable buckets and
// labels, one clock and one percentage style. (The request log: recent-requests.spec.ts.)

/** The labels under the chart's time axis, as drawn. */
function axisLabels(page: Page): Promise<string[]> {
  return page.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
}

async function pickRange(page: Page, label: string, description: string) {
  await page.getByRole('button', { name: label, exact: true }).click();
  await expect(page.getByText(description)).toBeVisible();
  await expect(page.locator('.recharts-rectangle').first()).toBeVisible();
}

for (const viewport of DESKTOP_AND_PHONE) {
  test.describe(`at ${viewport.name} width`, () => {
    test.beforeEach(async ({ page }) => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
    });

    test('the numbers refresh by themselves, and no traffic reads "No requests", not "0% successful"', async ({
      page,
      admin,
      servers,
      signInAs,
    }) => {
      const email = uniqueEmail(`refresh-${viewport.name}`);
      const key = await admin.createKey((await admin.createUser(email)).id, { name: 'Quiet key' });
      await signInAs(page, email, { via: 'api' });
      await page.goto(`/keys/${key.id}`);
      await expect(page.getByRole('heading', { name: 'Quiet key' })).toBeVisible();

      const requests = page.getByTestId('stat-requests');
      await expect(requests.getByTestId('stat-value')).toHaveText('0');
      await expect(requests).toContainText('No requests in this period');
      await expect(page.getByTestId('stat-errors')).toContainText('No requests in this period');
      await expect(page.getByText(/\d%/)).toHaveCount(0);

      // Three answered 2xx, one 404; nobody touches the page.
      for (const path of ['/json', '/json', '/json', '/status/404']) await proxy(servers.proxyUrl, key.key, path);
      await expect(requests.getByTestId('stat-value')).toHaveText('4', { timeout: 20_000 });
      await expect(page.getByTestId('log-row')).toHaveCount(4);
      // One percentage style: no decimals when there are none to show.
      await expect(requests).toContainText('75% successful');
      await expect(page.getByTestId('stat-errors')).toContainText('25% of requests answered 4xx or 5xx');
    });

    test('charts: readable buckets, one label per day, 24-hour times, tooltip in legend order', async ({
      page,
      admin,
      servers,
      signInAs,
    }) => {
      const email = uniqueEmail(`chart-${viewport.name}`);
      const key = await admin.createKey((await admin.createUser(email)).id, { name: 'Chart key' });
      for (const path of ['/json', '/json', '/status/404']) await proxy(servers.proxyUrl, key.key, path);
      await signInAs(page, email, { via: 'api' });
      await page.goto(`/keys/${key.id}?range=24h`);
      await expect(page.getByTestId('stat-requests').getByTestId('stat-value')).toHaveText('3', { timeout: 20_000 });
      await expect(page.getByTestId('stat-requests')).toContainText('66.7% successful');

      await pickRange(page, '24 h', 'Last 24 hours, 1 h buckets');
      const hours = await axisLabels(page);
      expect(hours.length).toBeGreaterThan(1);
      for (const label of hours) expect(label).toMatch(/^([01]\d|2[0-3]):00$/);
      expect(new Set(hours).size).toBe(hours.length);

      // The tooltip: "Name: value" (no space before the colon), in the legend's order, 24-hour time.
      await page.locator('.recharts-rectangle').last().hover();
      const tooltip = page.locator('.recharts-tooltip-wrapper');
      await expect(tooltip.locator('.recharts-tooltip-item')).toHaveText(['Successful: 2', 'Errors (4xx/5xx): 1']);
      await expect(tooltip.locator('.recharts-tooltip-label')).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:00$/);
      const legend = page.getByRole('listitem').filter({ hasText: /^(Successful|Errors \(4xx\/5xx\))$/ });
      await expect(legend).toHaveText(['Successful', 'Errors (4xx/5xx)']);
      await screenshot(page, `usage-24h-${viewport.name}`, { fullPage: false });

      await pickRange(page, '7 d', 'Last 7 days, 6 h buckets');
      const days = await axisLabels(page);
      expect(days.length).toBeGreaterThan(1);
      for (const label of days) expect(label).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/);
      expect(new Set(days).size, `axis labels ${days.join(', ')}`).toBe(days.length);
      await screenshot(page, `usage-7d-${viewport.name}`, { fullPage: false });

      // One clock on the page: the log's times and every date are 24-hour.
      await expect(page.getByText(/\d(\s|\u202f)?(AM|PM)\b/)).toHaveCount(0);
      await page.goto('/keys');
      await expect(page.getByRole('link', { name: /Chart key/ }).first()).toBeVisible();
      await expect(page.getByText(/\d(\s|\u202f)?(AM|PM)\b/)).toHaveCount(0);
    });
  });
}
