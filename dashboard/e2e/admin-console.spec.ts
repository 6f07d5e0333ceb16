import { readFile } from 'node:fs/promises';
import type { Cookie, Page } from '@playwright/test';
import { expect, proxy, screenshot, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { STACK_ENV, type Stack } from './support/servers';

// The gateway lets one address ask for three sign-in links a minute: sign in as the admin once, by the
// mailed link, and give every test that session's cookie.
let adminCookies: Cookie[] = [];
test.beforeAll(async ({ browser }) => {
  const stack = JSON.parse(process.env[STACK_ENV] ?? '{}') as Stack;
  const context = await browser.newContext();
  await signInWithMailedLink(await context.newPage(), stack, stack.adminEmail, { via: 'api' });
  adminCookies = await context.cookies();
  await context.close();
});

async function openAsAdmin(page: Page, path: string): Promise<void> {
  await page.context().addCookies(adminCookies);
  await page.goto(path);
}

/** A tag shared by what one test seeds, so searches find exactly that. */
function tag(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The number a summary card on the overview shows, e.g. "1,234" → 1234. */
async function statValue(page: Page, name: string): Promise<number> {
  const text = await page.getByTestId(`stat-${name}`).getByTestId('stat-value').textContent();
  return Number((text ?? '').replaceAll(',', ''));
}

test.describe('admin console', () => {
  test('an admin sees every user with their key count, searches and pages through them', async ({
    page,
    admin,
    servers,
  }) => {
    const batch = tag('pg');
    const users = [];
    // One more than a page (50), so "Load more" has something to load.
    for (let i = 0; i < 52; i++)
      users.push(await admin.createUser(`${batch}-${String(i).padStart(2, '0')}@example.com`));
    const first = users[0];
    if (!first) throw new Error('no users seeded');
    await admin.createKey(first.id, { name: `${batch} one` });
    await admin.createKey(first.id, { name: `${batch} two` });

    await openAsAdmin(page, '/admin/users');
    await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
    const search = page.getByRole('searchbox', { name: 'Search users by email' });
    const rows = page.getByTestId('user-row');
    // The admin is listed with their role.
    await search.fill(servers.adminEmail);
    await expect(rows).toHaveCount(1);
    await expect(rows.getByTestId('role-badge')).toHaveText('Admin');

    await search.fill(batch);
    // The search is debounced: the first page of this batch replaces the single admin row.
    await expect(rows).toHaveCount(50);
    await expect(rows.first()).toContainText(batch);
    await expect(page.getByTestId('shown-count')).toHaveText('50 users shown');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect(rows).toHaveCount(52);
    await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
    await expect(page.getByTestId('shown-count')).toHaveText('52 users');

    const firstRow = rows.filter({ hasText: first.email });
    await expect(firstRow.getByTestId('key-count')).toHaveText('2');
    await expect(firstRow.getByTestId('role-badge')).toHaveText('User');

    // The role filter narrows to admins: none of this batch is one.
    await page.getByRole('button', { name: 'Admins', exact: true }).click();
    await expect(page.getByText('No users match')).toBeVisible();
  });

  test('an admin promotes and demotes with a confirmation, and cannot demote the last admin', async ({
    page,
    admin,
    servers,
  }) => {
    // Other tests may have left admins behind: demote them, so the signed-in admin is the last one.
    const admins = await admin.call<{ data: { id: string; email: string }[] }>('GET', '/users?role=admin&limit=200');
    for (const other of admins.data.filter((u) => u.email !== servers.adminEmail)) {
      await admin.call('PATCH', `/users/${other.id}`, { role: 'user' });
    }
    const dana = await admin.createUser(uniqueEmail('dana'));

    await openAsAdmin(page, '/admin/users');
    const search = page.getByRole('searchbox', { name: 'Search users by email' });
    await search.fill(dana.email);
    const danaRow = page.getByTestId('user-row').filter({ hasText: dana.email });
    await danaRow.getByRole('button', { name: `Make admin: ${dana.email}` }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText('Make this user an admin?');
    await confirm.getByRole('button', { name: 'Make admin' }).click();
    await expect(confirm).toBeHidden();
    await expect(danaRow.getByTestId('role-badge')).toHaveText('Admin');
    await expect(page.getByTestId('users-notice')).toContainText(`${dana.email} is now an admin`);

    await danaRow.getByRole('button', { name: `Make user: ${dana.email}` }).click();
    await confirm.getByRole('button', { name: 'Make user' }).click();
    await expect(danaRow.getByTestId('role-badge')).toHaveText('User');

    // Demoting oneself as the only admin: the gateway answers 409 and the dialog says why.
    await search.fill(servers.adminEmail);
    const mine = page.getByTestId('user-row').filter({ hasText: servers.adminEmail });
    await mine.getByRole('button', { name: `Make user: ${servers.adminEmail}` }).click();
    await expect(confirm).toContainText('you will lose access');
    await confirm.getByRole('button', { name: 'Make user' }).click();
    await expect(confirm.getByTestId('role-change-error')).toContainText("Can't remove the last admin");
    await screenshot(page, 'admin-dialog-last-admin-desktop', { fullPage: false });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(mine.getByTestId('role-badge')).toHaveText('Admin');
  });

  test('an admin adds a user, creates a key for them and sees it on their page', async ({ page, servers }) => {
    const email = uniqueEmail('erin');
    await openAsAdmin(page, '/admin/users');
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('not-an-email');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await expect(dialog.getByText('Email must be a valid email address')).toBeVisible();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('users-notice')).toContainText(`Added ${email} as a user`);

    // Adding the same address again points to the existing account instead.
    await page.getByRole('button', { name: 'Add user' }).click();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await expect(dialog.getByTestId('user-exists')).toContainText(`${email} already has an account`);
    await dialog.getByRole('link', { name: 'Open their page' }).click();

    await expect(page.getByRole('heading', { name: email })).toBeVisible();
    const keys = page.getByTestId('user-keys');
    await expect(keys.getByText('has no API keys yet')).toBeVisible();
    await keys.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByLabel('Name').fill('Handed over');
    await dialog.getByLabel('Requests per minute').fill('0');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByText('Requests per minute must be at least 1')).toBeVisible();
    await dialog.getByLabel('Requests per minute').fill('30');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const raw = await dialog.getByLabel('API key').inputValue();
    expect(raw).toMatch(/^ak_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(keys.getByTestId('key-row').filter({ hasText: 'Handed over' })).toContainText('30/min');
    // The key works at once, and belongs to the new user.
    expect(await proxy(servers.proxyUrl, raw)).toBe(200);

    // Their audit entries: the account and the key, both made by the admin.
    const audit = page.getByTestId('user-audit');
    await expect(audit.locator('[data-action="user.create"]')).toContainText(servers.adminEmail);
    await expect(audit.locator('[data-action="key.create"]')).toContainText('Handed over');
  });

  test('an admin finds keys by name or key start, filters by state and disables one for its owner', async ({
    page,
    admin,
    servers,
  }) => {
    const batch = tag('k');
    const owner = await admin.createUser(uniqueEmail('frank'));
    const busy = await admin.createKey(owner.id, { name: `${batch} busy` });
    const idle = await admin.createKey(owner.id, { name: `${batch} idle` });

    await openAsAdmin(page, '/admin/keys');
    const search = page.getByRole('searchbox', { name: 'Search keys by name or key start' });
    await search.fill(batch);
    const rows = page.getByTestId('key-row');
    await expect(rows).toHaveCount(2);
    await expect(rows.first().getByTestId('key-owner')).toHaveText(owner.email);

    await search.fill(busy.start);
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(`${batch} busy`);

    await search.fill(batch);
    const idleRow = rows.filter({ hasText: `${batch} idle` });
    await idleRow.getByRole('switch', { name: `Disable key ${batch} idle` }).click();
    // The badge says "Disabled" at once (optimistic), then what the gateway answers: who disabled it.
    await expect(idleRow.getByTestId('key-status')).toHaveText('Disabled by an admin');
    expect(await proxy(servers.proxyUrl, idle.key)).toBe(403);

    await page.getByRole('button', { name: 'Disabled', exact: true }).click();
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(`${batch} idle`);
    await page.getByRole('button', { name: 'Active', exact: true }).click();
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(`${batch} busy`);

    // Create a key for a user by their email, from the keys page.
    await page.getByRole('button', { name: 'Create key for a user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel("Owner's email").fill(uniqueEmail('nobody'));
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByText('belongs to no user yet')).toBeVisible();
    await dialog.getByLabel("Owner's email").fill(owner.email);
    await dialog.getByLabel('Name').fill(`${batch} third`);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByLabel('API key')).toHaveValue(/^ak_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    expect((await admin.keysOf(owner.id)).map((k) => k.name)).toContain(`${batch} third`);
  });

  test('the overview shows real traffic, with the busiest and the failing keys linked to their usage', async ({
    page,
    admin,
    servers,
  }) => {
    const batch = tag('ov');
    const owner = await admin.createUser(uniqueEmail('gina'));
    const busy = await admin.createKey(owner.id, { name: `${batch} busy`, limitPerMinute: 1000 });
    const limited = await admin.createKey(owner.id, { name: `${batch} limited`, limitPerMinute: 2 });
    for (let i = 0; i < 40; i++) expect(await proxy(servers.proxyUrl, busy.key)).toBe(200);
    const statuses = [];
    for (let i = 0; i < 15; i++) statuses.push(await proxy(servers.proxyUrl, limited.key));
    expect(statuses.filter((s) => s === 429)).toHaveLength(13);

    await openAsAdmin(page, '/admin?range=1h');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('button', { name: '1 h' })).toHaveAttribute('aria-pressed', 'true');
    // Usage is written in the background: refresh until this test's 55 requests are counted.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          await expect(page.getByRole('button', { name: 'Refresh' })).toBeEnabled();
          return statValue(page, 'requests');
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(55);
    expect(await statValue(page, 'rate-limited')).toBeGreaterThanOrEqual(13);
    expect(await statValue(page, 'active-keys')).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('stat-error-rate').getByTestId('stat-value')).toHaveText(/^\d+(\.\d)?%$/);
    await expect(page.getByTestId('latency-percentiles')).toContainText(/p50\s*[\d.,]+ ms/);
    await expect(page.getByRole('figure', { name: /requests over time/ })).toBeVisible();
    await expect(page.getByTestId('status-4xx').getByTestId('status-count')).not.toHaveText('0');

    const byErrors = page
      .getByTestId('top-by-errors')
      .getByTestId('top-key')
      .filter({ hasText: `${batch} limited` });
    await expect(byErrors).toContainText(owner.email);
    await expect(byErrors).toContainText('13');
    const byRequests = page
      .getByTestId('top-by-requests')
      .getByTestId('top-key')
      .filter({ hasText: `${batch} busy` });
    await expect(byRequests).toContainText('40');
    await byRequests.getByRole('link', { name: `${batch} busy` }).click();
    await expect(page).toHaveURL(new RegExp(`/keys/${busy.id}$`));
    await expect(page.getByRole('heading', { name: `${batch} busy` })).toBeVisible();

    // The range is in the URL and switching it keeps the page working.
    await page.goto('/admin');
    await page.getByRole('button', { name: '30 d' }).click();
    await expect(page).toHaveURL(/\?range=30d$/);
    await expect(page.getByText('Last 30 days, ')).toBeVisible();
  });

  test('the audit log shows what was just done, filters it and exports it as NDJSON', async ({
    page,
    admin,
    servers,
  }) => {
    const batch = tag('au');
    const owner = await admin.createUser(uniqueEmail('hank'));
    await admin.createKey(owner.id, { name: `${batch} audited` });

    await openAsAdmin(page, '/admin/keys');
    await page.getByRole('searchbox', { name: 'Search keys by name or key start' }).fill(batch);
    const row = page.getByTestId('key-row').filter({ hasText: `${batch} audited` });
    await row.getByRole('switch', { name: `Disable key ${batch} audited` }).click();
    await expect(row.getByTestId('key-status')).toHaveText('Disabled by an admin');

    await page.goto('/admin/audit');
    const entries = page.getByTestId('audit-entry');
    const disabled = entries.filter({ hasText: `${batch} audited` }).and(page.locator('[data-action="key.disable"]'));
    await expect(disabled).toHaveCount(1);
    await expect(disabled.getByTestId('audit-actor')).toHaveText(servers.adminEmail);
    await expect(disabled.getByTestId('audit-changes')).toContainText(/active:\s*true.*false/);
    // Address, user agent and request id are shown with every entry.
    await expect(disabled).toContainText(/HeadlessChrome|Chrome/);

    // Filter by action and user (an email is looked up).
    await page.getByLabel('Action', { exact: true }).selectOption('key.disable');
    await page.getByLabel('User', { exact: true }).fill(owner.email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/action=key\.disable/);
    await expect(page).toHaveURL(new RegExp(`userId=${owner.id}`));
    await expect(entries).toHaveCount(1);
    await expect(entries).toContainText(`${batch} audited`);

    // An unknown email is an error on the field, not an empty list.
    await page.getByLabel('User', { exact: true }).fill(uniqueEmail('nobody'));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByText('User matches no user')).toBeVisible();

    // A time range in the future matches nothing.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('From', { exact: true }).fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByText('No entries match')).toBeVisible();

    // Export with the action and user filters: a download of NDJSON lines.
    await page.goto(`/admin/audit?action=key.disable&userId=${owner.id}`);
    await expect(entries).toHaveCount(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-.*\.ndjson$/);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    const exported = lines.map((line) => JSON.parse(line) as { action: string; target: { label: string } });
    expect(exported).toHaveLength(1);
    expect(exported[0]?.action).toBe('key.disable');
    expect(exported[0]?.target.label).toContain(`${batch} audited`);
  });

  test('an admin creates an API token, sees it once, and revokes it', async ({ page, servers }) => {
    const name = tag('ci-');
    await openAsAdmin(page, '/admin/tokens');
    await page.getByRole('button', { name: 'Create token' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('button', { name: 'Write' }).click();
    await dialog.getByLabel('Expires').selectOption('30');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const token = await dialog.getByLabel('API token').inputValue();
    expect(token).toMatch(/^gwt_/);
    await screenshot(page, 'admin-dialog-token-created-desktop', { fullPage: false });
    await dialog.getByRole('button', { name: "I've saved my token" }).click();

    const row = page.getByTestId('token-row').filter({ hasText: name });
    await expect(row.getByTestId('token-status')).toHaveText('Active');
    await expect(row).toContainText('write');
    const expires = new Date(Date.now() + 30 * 86_400_000);
    await expect(row.getByTestId('token-expires')).toContainText(`${expires.getFullYear()}`);
    await expect(row.getByTestId('token-expires')).toContainText(expires.toLocaleString('en', { month: 'short' }));

    // The token works against the management API …
    const asToken = () =>
      fetch(`${servers.managementUrl}/users?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asToken()).status).toBe(200);
    await expect
      .poll(async () => {
        await page.reload();
        return (await row.getByTestId('token-last-used').textContent())?.trim();
      })
      .not.toBe('Never');

    // … until it is revoked.
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText(`Revoke “${name}”?`);
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await expect(row.getByTestId('token-status')).toHaveText('Revoked');
    await expect(row.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);
    expect((await asToken()).status).toBe(401);

    await page.goto('/admin/audit?action=token.revoke');
    await expect(page.getByTestId('audit-entry').filter({ hasText: name })).toHaveCount(1);
  });

  test('the consumer caps form saves changes and shows the API field errors', async ({ page, admin }) => {
    const before = await admin.call<Record<string, number>>('GET', '/settings');
    await openAsAdmin(page, '/admin/settings');
    const perMinute = page.getByLabel('Highest limit per minute');
    await expect(perMinute).toHaveValue(String(before.maxLimitPerMinute));
    await perMinute.fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Highest limit per minute must be at least 1')).toBeVisible();
    await expect(perMinute).toHaveAttribute('aria-invalid', 'true');

    await perMinute.fill('777');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
    expect((await admin.call<Record<string, number>>('GET', '/settings')).maxLimitPerMinute).toBe(777);
    await admin.updateSettings({ maxLimitPerMinute: before.maxLimitPerMinute ?? 600 });
  });
});
