import type { Locator, Page } from '@playwright/test';
import { expect, openSignInLink, screenshot, test, uniqueEmail } from './support/fixtures';
import { waitForSignInLink } from './support/mailbox';
import { freePort, type RunningServer, STACK_ENV, type Stack, startDashboard } from './support/servers';

// Issue 16, items 8, 11 and 12: what a newcomer trips over in the dashboard, at desktop and phone widths.
const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

/** The row (desktop) or card (phone) of the key named `name`. */
function keyEntry(page: Page, name: string): Locator {
  return page.locator('[data-testid="key-row"]:visible, [data-testid="key-card"]:visible').filter({ hasText: name });
}

async function userIdOf(admin: { call<T>(method: string, path: string): Promise<T> }, email: string) {
  return (await admin.call<{ id: string }>('GET', `/users/by-email?email=${encodeURIComponent(email)}`)).id;
}

for (const [width, viewport] of VIEWPORTS) {
  test.describe(`at ${width} width`, () => {
    test.use({ viewport });

    // 0.0.0.0 is the "Network:" address Next prints under npm start (it listens on every interface).
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      test(`opened at ${host}, the dashboard reaches the gateway, signs in and creates a key`, async ({
        page,
        servers,
      }) => {
        const dashboard = servers.dashboardUrl.replace('//localhost:', `//${host}:`);
        const email = uniqueEmail(`loopback-${host.replace(/\./g, '-')}-${width}`);
        const errors: string[] = [];
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

        await page.goto(`${dashboard}/login`);
        await page.getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
        await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
        // The link leads back to the address the dashboard was opened at, where the session cookie works.
        const link = await waitForSignInLink(servers.dataDir, email);
        expect(new URL(link).origin).toBe(dashboard);
        await openSignInLink(page, link);
        await expect(page).toHaveURL(`${dashboard}/keys`);
        await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();

        await page.getByRole('button', { name: 'Create key' }).first().click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Name').fill(`From ${host}`);
        await dialog.getByRole('button', { name: 'Create key' }).click();
        await expect(dialog.getByRole('heading', { name: 'Save your API key' })).toBeVisible();
        await dialog.getByRole('button', { name: "I've saved my key" }).click();
        await expect(keyEntry(page, `From ${host}`)).toBeVisible();
        await screenshot(page, `first-hour-${host}-${width}`);
        // Neither the session probe on the sign-in page nor anything after it logged an error.
        expect(errors).toEqual([]);
      });
    }

    test('expiry: set when creating, shown in the list, an expired key never looks enabled', async ({
      page,
      admin,
      login,
    }) => {
      const email = await login(`expiry-${width}`);
      const userId = await userIdOf(admin, email);
      const soon = new Date(Date.now() + 2 * 3600_000).toISOString();
      await admin.createKey(userId, { name: 'Expires soon', expiresAt: soon });
      await admin.createKey(userId, { name: 'Expired already', expiresAt: new Date(Date.now() + 1_500).toISOString() });
      await admin.createKey(userId, { name: 'Never expires' });
      await page.waitForTimeout(2_000); // the gateway refuses a past expiry, so let this one pass
      await page.reload();

      const expired = keyEntry(page, 'Expired already');
      await expect(expired.getByTestId('key-status')).toHaveText('Expired');
      const expiredSwitch = expired.getByRole('switch');
      await expect(expiredSwitch).toBeDisabled();
      await expect(expiredSwitch).not.toBeChecked();
      await expect(expiredSwitch).toHaveAccessibleName('Key Expired already has expired');

      const upcoming = keyEntry(page, 'Expires soon');
      await expect(upcoming.getByTestId('key-status')).toHaveText('Active');
      await expect(upcoming.getByRole('switch')).toBeChecked();
      await expect(upcoming.getByTestId('key-expiry')).toHaveAttribute('datetime', soon);
      await expect(upcoming.getByTestId('key-expiry')).not.toHaveText('Never');
      await expect(keyEntry(page, 'Never expires').getByTestId('key-expiry')).toHaveText('Never');
      await screenshot(page, `first-hour-expiry-list-${width}`);

      // Create with an expiry three days ahead, in the browser's local time.
      await page.getByRole('button', { name: 'Create key' }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('Three days');
      const local = await page.evaluate(() => {
        const at = new Date(Date.now() + 3 * 86_400_000);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
      });
      await dialog.getByLabel('Expires').fill(local);
      await screenshot(page, `first-hour-create-expiry-${width}`);
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByRole('button', { name: "I've saved my key" }).click();
      const iso = await page.evaluate((value) => new Date(value).toISOString(), local);
      await expect(keyEntry(page, 'Three days').getByTestId('key-expiry')).toHaveAttribute('datetime', iso);

      // Edit: the expired key gets a new expiry and works again; "Never expires" clears one.
      await page.getByRole('button', { name: 'Edit Expired already' }).click();
      await expect(dialog.getByLabel('Expires')).not.toHaveValue('');
      await dialog.getByLabel('Expires').fill(local);
      await dialog.getByRole('button', { name: 'Save changes' }).click();
      await expect(dialog).toBeHidden();
      await expect(expired.getByTestId('key-status')).toHaveText('Active');
      await expect(expired.getByRole('switch')).toBeEnabled();
      await expect(expired.getByRole('switch')).toBeChecked();

      await page.getByRole('button', { name: 'Edit Three days' }).click();
      await dialog.getByRole('button', { name: 'Never expires' }).click();
      await expect(dialog.getByLabel('Expires')).toHaveValue('');
      await dialog.getByRole('button', { name: 'Save changes' }).click();
      await expect(dialog).toBeHidden();
      await expect(keyEntry(page, 'Three days').getByTestId('key-expiry')).toHaveText('Never');
    });

    test('a malformed key address is "not found" with a way back, and no retry', async ({ page, login }) => {
      await login(`not-found-${width}`);
      await page.goto('/keys/not-a-key');
      await expect(page.getByRole('heading', { name: 'Key not found' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
      await expect(page.getByText('must be a UUID')).toHaveCount(0);
      await screenshot(page, `first-hour-key-not-found-${width}`);
      await page.getByRole('link', { name: 'Back to API keys' }).click();
      await expect(page).toHaveURL(/\/keys$/);
    });

    test('a long key name can be read in full: as a tooltip in the list, wrapped on its page', async ({
      page,
      admin,
      login,
    }) => {
      const email = await login(`long-name-${width}`);
      const name = `Nightly export to the data warehouse for the finance team ${'x'.repeat(40)}`.slice(0, 100);
      await admin.createKey(await userIdOf(admin, email), { name });
      await page.reload();
      const link = keyEntry(page, name.slice(0, 20)).getByRole('link', { name, exact: true });
      await expect(link).toHaveAttribute('title', name);
      await link.click();
      const heading = page.getByRole('heading', { name, exact: true });
      await expect(heading).toBeVisible();
      // Not cut: the heading's whole text fits inside its box.
      expect(await heading.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
      await screenshot(page, `first-hour-long-name-${width}`);
    });
  });
}

test('the create dialog shows the default limits; the edit dialog keeps its fields aligned', async ({
  page,
  admin,
  login,
}) => {
  const settings = await admin.call<{
    maxLimitPerMinute: number;
    maxLimitPerDay: number;
    keyDefaults: Record<string, number>;
  }>('GET', '/settings');
  const number = (n: number) => new Intl.NumberFormat('en').format(n);
  const perMinute = Math.min(settings.keyDefaults.limitPerMinute!, settings.maxLimitPerMinute);
  const perDay = Math.min(settings.keyDefaults.limitPerDay!, settings.maxLimitPerDay);
  const email = await login('placeholders');
  await page.getByRole('button', { name: 'Create key' }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Requests per minute')).toHaveAttribute(
    'placeholder',
    `${number(perMinute)} (default)`,
  );
  await expect(dialog.getByLabel('Requests per day')).toHaveAttribute('placeholder', `${number(perDay)} (default)`);
  await page.keyboard.press('Escape');

  await admin.createKey(await userIdOf(admin, email), { name: 'Aligned' });
  await page.reload();
  await page.getByRole('button', { name: 'Edit Aligned' }).click();
  // No "…." in the description: the key's start ends mid-sentence.
  await expect(dialog.getByText(/apply from its next request\.$/)).toBeVisible();
  await expect(dialog).not.toContainText('….');
  await dialog.getByLabel('Requests per minute').fill('0');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog.getByLabel('Requests per minute')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByLabel('Requests per day')).not.toHaveAttribute('aria-invalid', 'true');
  const minuteBox = await dialog.getByLabel('Requests per minute').boundingBox();
  const dayBox = await dialog.getByLabel('Requests per day').boundingBox();
  expect(Math.abs((minuteBox?.y ?? 0) - (dayBox?.y ?? 100))).toBeLessThan(1);
  await screenshot(page, 'first-hour-edit-aligned');
});

test('the sign-in page has an icon and logs no error while signed out', async ({ page }) => {
  const errors: string[] = [];
  const missing: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('response', (response) => response.status() >= 400 && missing.push(`${response.status()} ${response.url()}`));
  await page.goto('/login');
  await expect(page.getByLabel('Email')).toBeVisible();
  const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(icon).toBeTruthy();
  const fetched = await page.request.get(icon!);
  expect(fetched.status()).toBe(200);
  expect(fetched.headers()['content-type']).toContain('image/');
  await page.waitForLoadState('networkidle');
  expect(missing).toEqual([]);
  expect(errors).toEqual([]);
});

test.describe('a dashboard address the gateway does not allow', () => {
  let other: RunningServer;
  test.beforeAll(async () => {
    const servers = JSON.parse(process.env[STACK_ENV]!) as Stack;
    other = await startDashboard({
      port: await freePort(),
      gatewayUrl: servers.managementUrl,
      proxyUrl: servers.proxyUrl,
      name: 'dashboard-other-origin',
    });
  });
  test.afterAll(async () => {
    await other?.stop();
  });

  for (const [width, viewport] of VIEWPORTS) {
    test(`says so plainly and names the setting, not "can't reach" (${width})`, async ({ page }) => {
      await page.setViewportSize(viewport);
      await page.goto(`${other.url}/keys`);
      const heading = page.getByRole('heading', { name: 'This address is not allowed by the gateway' });
      await expect(heading).toBeVisible();
      await expect(page.getByText(`Add ${other.url} to DASHBOARD_ORIGIN`)).toBeVisible();
      await expect(page.getByText("Can't reach the gateway")).toHaveCount(0);
      await screenshot(page, `first-hour-origin-refused-${width}`);

      await page.goto(`${other.url}/login`);
      await page.getByLabel('Email').fill('someone@example.com');
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await expect(page.getByText('This address is not allowed by the gateway')).toBeVisible();
      await expect(page.getByText(`Add ${other.url} to DASHBOARD_ORIGIN`)).toBeVisible();
    });
  }
});
