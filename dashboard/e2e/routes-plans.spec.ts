import type { Cookie, Page } from '@playwright/test';
import { proxy } from './support/api';
import { DESKTOP_AND_PHONE, expect, screenshot, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { STACK_ENV, type Stack } from './support/servers';

test.describe.configure({ mode: 'serial' });

// One admin sign-in for the file (sign-in links are rate limited per address).
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

const tag = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test('an admin creates a route and a plan, assigns the plan to a key, and the key shows its limits per window', async ({
  page,
  admin,
}) => {
  const routeName = tag('orders');
  const planName = tag('pro');

  await test.step('create a route: a bad prefix is named under its field, then it is created', async () => {
    await openAsAdmin(page, '/admin/routes');
    await expect(page.getByRole('heading', { name: 'Routes', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Create route' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill(routeName);
    await dialog.getByLabel('Prefix', { exact: true }).fill('orders');
    await dialog.getByLabel('Targets').fill('http://orders-a.internal:8080/v2\nftp://orders-b.internal');
    await dialog.getByLabel('Cost').fill('3');
    await dialog.getByRole('button', { name: 'Create route' }).click();
    await expect(dialog.getByText(/^Prefix must be a path/)).toBeVisible();
    await expect(dialog.getByText('Targets: line 2: must start with http:// or https://')).toBeVisible();
    await screenshot(page, 'admin-route-dialog-errors');

    await dialog.getByLabel('Prefix', { exact: true }).fill(`/${routeName}`);
    await dialog.getByLabel('Targets').fill('http://orders-a.internal:8080/v2\nhttp://orders-b.internal:8080/v2');
    await dialog.getByRole('button', { name: 'Create route' }).click();
    await expect(dialog).toBeHidden();
    const row = page.locator(`[data-testid="route-row"][data-route-name="${routeName}"]`);
    await expect(row).toContainText(`/${routeName}`);
    await expect(row).toContainText('http://orders-b.internal:8080/v2');
    await expect(row).toContainText('Cost 3');
    await expect(row.getByTestId('managed-by-file')).toHaveCount(0);

    // Edit: only the changed field is sent, and the list shows the answer.
    await row.getByRole('button', { name: `Edit route ${routeName}` }).click();
    await dialog.getByLabel('Cost').fill('2');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(row).toContainText('Cost 2');
  });

  await test.step('create a plan with key, owner and shadow windows', async () => {
    await page.getByRole('navigation', { name: 'Routes and plans' }).getByRole('link', { name: 'Plans' }).click();
    await expect(page.getByRole('heading', { name: 'Plans', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Create plan' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill(planName);
    await dialog.getByLabel('Time zone').fill('Europe/Berlin');
    await dialog.locator('#window-0-unit').selectOption('minute');
    await dialog.locator('#window-0-limit').fill('600');
    await dialog.getByRole('button', { name: 'Add window' }).click();
    await dialog.locator('#window-1-unit').selectOption('month');
    await dialog.locator('#window-1-limit').fill('100000');
    await dialog.locator('#window-1-scope').selectOption('owner');
    await dialog.getByRole('button', { name: 'Add window' }).click();
    await dialog.locator('#window-2-unit').selectOption('day');
    await dialog.locator('#window-2-limit').fill('0');
    await dialog.getByLabel('Shadow', { exact: true }).nth(2).click();
    await dialog.getByRole('button', { name: 'Create plan' }).click();
    // The API's message for the one bad window shows under that row.
    await expect(dialog.getByText('Limit must be at least 1')).toBeVisible();
    await dialog.locator('#window-2-limit').fill('5000');
    await screenshot(page, 'admin-plan-dialog');
    await dialog.getByRole('button', { name: 'Create plan' }).click();
    await expect(dialog).toBeHidden();
    const row = page.locator(`[data-testid="plan-row"][data-plan-name="${planName}"]`);
    await expect(row).toContainText('Europe/Berlin');
    await expect(row).toContainText('600/minute');
    await expect(row).toContainText('100,000/month per owner');
    await expect(row).toContainText('5,000/day (shadow)');
    await expect(row.getByTestId('plan-key-count')).toHaveText('0 keys');
  });

  await test.step("assign the plan to a key: its page shows the plan's windows with the key's override", async () => {
    const owner = await admin.createUser(uniqueEmail('planned'));
    const key = await admin.createKey(owner.id, { name: 'Planned key', limitPerMinute: 60, limitPerDay: 2000 });
    await page.goto(`/keys/${key.id}`);
    await expect(page.getByTestId('key-plan')).toHaveText("No plan: the key's own limits apply.");
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Plan').selectOption({ label: planName });
    await dialog.getByLabel('Requests per minute').fill(''); // the plan's minute window applies
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();

    await expect(page.getByTestId('key-plan')).toContainText(planName);
    const limits = page.getByTestId('effective-limits');
    const rowOf = (window: string) => limits.locator(`[data-testid="limit-row"][data-window="${window}"]`);
    await expect(limits.getByTestId('limit-row')).toHaveCount(3);
    await expect(rowOf('key:minute')).toContainText('600');
    await expect(rowOf('key:minute')).toContainText('Plan');
    // The key's day override replaces the plan's shadow day window, enforced.
    await expect(rowOf('key:day')).toContainText('2,000');
    await expect(rowOf('key:day')).toContainText("Key's override");
    await expect(rowOf('key:day')).not.toContainText('Shadow');
    await expect(rowOf('owner:month')).toContainText('100,000');
    await expect(rowOf('owner:month')).toContainText("All of the owner's keys");
    // What each window has left right now: read without counting, refreshed while the page is open.
    const stack = JSON.parse(process.env[STACK_ENV] ?? '{}') as Stack;
    await expect(rowOf('key:minute').getByTestId('limit-remaining')).toHaveText('600');
    for (let i = 0; i < 2; i++) expect(await proxy(stack.proxyUrl, key.key)).toBe(200);
    await expect(rowOf('key:minute').getByTestId('limit-remaining')).toHaveText('598', { timeout: 15_000 });
    await expect(rowOf('owner:month').getByTestId('limit-remaining')).toHaveText('99,998');

    // The key's owner, who cannot read plans, sees the same windows and what they have left.
    const ownerContext = await page.context().browser()!.newContext();
    const ownerPage = await ownerContext.newPage();
    await signInWithMailedLink(ownerPage, stack, owner.email, { via: 'api' });
    await ownerPage.goto(`/keys/${key.id}`);
    await expect(ownerPage.getByTestId('key-plan')).toContainText(planName);
    const ownerLimits = ownerPage.getByTestId('effective-limits');
    await expect(ownerLimits.getByTestId('limit-row')).toHaveCount(3);
    await expect(
      ownerLimits.locator('[data-testid="limit-row"][data-window="key:minute"]').getByTestId('limit-remaining'),
    ).toHaveText('598');
    await ownerContext.close();
    for (const viewport of DESKTOP_AND_PHONE) {
      await page.setViewportSize(viewport);
      await screenshot(page, `key-access-${viewport.name}`);
    }
    await page.setViewportSize(DESKTOP_AND_PHONE[0]);

    // Clearing the override brings the plan's shadow day window back, labelled.
    await page.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Requests per day').fill('');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(rowOf('key:day')).toContainText('5,000');
    await expect(rowOf('key:day')).toContainText('Shadow');

    await page.getByTestId('key-plan').getByRole('link', { name: planName }).click();
    await expect(page).toHaveURL(/\/admin\/plans#plan-/);
    await expect(
      page.locator(`[data-testid="plan-row"][data-plan-name="${planName}"]`).getByTestId('plan-key-count'),
    ).toHaveText('1 key');
  });

  await test.step('a plan keys use cannot be deleted: the gateway says why', async () => {
    const row = page.locator(`[data-testid="plan-row"][data-plan-name="${planName}"]`);
    await row.getByRole('button', { name: `Delete plan ${planName}` }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('button', { name: 'Delete plan' }).click();
    await expect(confirm.getByRole('alert')).toBeVisible();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(row).toBeVisible();
  });
});

test('rows from the configuration file are read-only, with a badge', async ({ page, admin }) => {
  const name = tag('filed');
  await admin.call('POST', '/config/apply', {
    file: [
      'plans:',
      `  - name: ${name}`,
      '    windows:',
      '      - { unit: hour, limit: 1000 }',
      'routes:',
      `  - name: ${name}`,
      `    prefix: /${name}`,
      '    targets: [http://filed.internal:8080]',
      '',
    ].join('\n'),
  });

  await openAsAdmin(page, '/admin/routes');
  const route = page.locator(`[data-testid="route-row"][data-route-name="${name}"]`);
  await expect(route.getByTestId('managed-by-file')).toHaveText('Managed by configuration file');
  await expect(route).toContainText('Read-only here: change it in the configuration file.');
  await expect(route.getByRole('button')).toHaveCount(0);
  for (const viewport of DESKTOP_AND_PHONE) {
    await page.setViewportSize(viewport);
    await screenshot(page, `admin-routes-${viewport.name}`);
  }
  await page.setViewportSize(DESKTOP_AND_PHONE[0]);

  await page.goto('/admin/plans');
  const plan = page.locator(`[data-testid="plan-row"][data-plan-name="${name}"]`);
  await expect(plan.getByTestId('managed-by-file')).toBeVisible();
  await expect(plan.getByRole('button')).toHaveCount(0);
  await expect(plan).toContainText('1,000/hour');
  for (const viewport of DESKTOP_AND_PHONE) {
    await page.setViewportSize(viewport);
    await screenshot(page, `admin-plans-${viewport.name}`);
  }
});

test("an owner sees the admin's restrictions on their key, narrows them, and is told when widening is refused", async ({
  page,
  admin,
  login,
}) => {
  const email = await login('scoped');
  const user = await admin.createUser(email);
  const key = await admin.createKey(user.id, { name: 'Scoped key' });
  await admin.updateKey(key.id, {
    scopes: [{ route: 'default', methods: ['GET', 'POST'] }],
    allowedIps: ['10.0.0.0/8'],
  });

  await page.goto(`/keys/${key.id}`);
  await expect(page.getByTestId('key-plan')).toHaveText("No plan: the key's own limits apply.");
  await expect(page.getByTestId('key-scopes')).toHaveText('default GET, POST');
  await expect(page.getByTestId('key-allowed-ips')).toHaveText('10.0.0.0/8');
  await expect(page.getByTestId('restricted-by-admin')).toBeVisible();

  // Narrowing is the owner's right.
  await page.getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Plan')).toHaveCount(0); // only admins choose plans
  await expect(dialog.getByLabel('Routes it may call')).toHaveValue('default GET POST');
  await dialog.getByLabel('Routes it may call').fill('default GET');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('key-scopes')).toHaveText('default GET');

  // A bad entry is named by its line.
  await page.getByRole('button', { name: 'Edit' }).click();
  await dialog.getByLabel('Client addresses').fill('10.1.0.0/16\nnot-an-address');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog.getByText(/^Client addresses: line 2: must be an IPv4 or IPv6 address/)).toBeVisible();

  // Clearing the allow-list widens it: the gateway refuses, and its message is shown in the dialog.
  await dialog.getByLabel('Client addresses').fill('');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'An admin restricted this key: you may only narrow its IP allow-list.',
  );
  await screenshot(page, 'key-edit-restricted-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('key-allowed-ips')).toHaveText('10.0.0.0/8');
});
