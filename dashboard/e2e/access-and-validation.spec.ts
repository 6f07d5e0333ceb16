import { expect, proxy, screenshot, test, uniqueEmail } from './support/fixtures';

test('a user sees only their own keys and cannot open another user’s', async ({ page, servers, admin, login }) => {
  const owner = await admin.createUser(uniqueEmail('first'));
  const foreign = await admin.createKey(owner.id, { name: 'First user’s secret key' });

  const email = await login('second');
  const me = await admin.createUser(email); // create-or-get: the signed-in user
  await admin.createKey(me.id, { name: 'My own key' });
  await page.reload();
  await expect(page.getByTestId('key-row')).toHaveCount(1);
  await expect(page.getByTestId('key-row')).toContainText('My own key');
  await expect(page.getByText('First user’s secret key')).toHaveCount(0);

  // The API agrees: the user's own session never lists or opens the other key.
  const listed = await page.request.get(`${servers.managementUrl}/keys?userId=${owner.id}`);
  const names = listed.ok() ? ((await listed.json()) as { data: { name: string }[] }).data.map((k) => k.name) : [];
  expect(names).not.toContain('First user’s secret key');
  expect((await page.request.get(`${servers.managementUrl}/keys/${foreign.id}`)).status()).toBe(404);

  await page.goto(`/keys/${foreign.id}`);
  await expect(page.getByRole('heading', { name: 'Key not found' })).toBeVisible();
  await expect(page.getByText('First user’s secret key')).toHaveCount(0);
});

test('invalid input shows the API’s own messages', async ({ page, servers, login }) => {
  // What the API says about a bad email, straight from its problem+json.
  const problem = await fetch(`${servers.managementUrl}/auth/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'not-an-email' }),
  }).then(async (response) => {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    return (await response.json()) as { errors: { path: string; message: string }[] };
  });
  const emailMessage = problem.errors.find((e) => e.path === 'email')?.message;
  expect(emailMessage).toBeTruthy();

  await page.goto('/login');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByText(`Email ${emailMessage}`)).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/login$/);

  await login('validation');
  await page.getByRole('button', { name: 'Create key' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Requests per minute').fill('0');
  await dialog.getByLabel('Requests per day').fill('1.5');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog.getByText('Requests per minute must be at least 1')).toBeVisible();
  await expect(dialog.getByText('Requests per day must be a whole number')).toBeVisible();
  await screenshot(page, 'create-dialog-validation');

  // Keyboard: Escape closes the dialog and focus returns to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Create key' }).first()).toBeFocused();
  await expect(page.getByTestId('key-row')).toHaveCount(0);
});

test('recent requests page through the logs with a cursor', async ({ page, servers, admin, login }) => {
  const email = await login('pager');
  const user = await admin.createUser(email);
  const key = await admin.createKey(user.id, { name: 'Busy key', limitPerMinute: 1000 });
  for (let i = 0; i < 25; i++) expect(await proxy(servers.proxyUrl, key.key, `/json?n=${i}`)).toBe(200);

  await page.goto(`/keys/${key.id}`);
  const requests = page.getByTestId('stat-requests').getByTestId('stat-value');
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(requests).toHaveText('25', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  await expect(page.getByTestId('log-row')).toHaveCount(20);
  await expect(page.getByRole('button', { name: 'Newer' })).toBeDisabled();
  await page.getByRole('button', { name: 'Older' }).click();
  await expect(page.getByText('page 2')).toBeVisible();
  await expect(page.getByTestId('log-row')).toHaveCount(5);
  await expect(page.getByRole('button', { name: 'Older' })).toBeDisabled();
  await page.getByRole('button', { name: 'Newer' }).click();
  await expect(page.getByTestId('log-row')).toHaveCount(20);
});

test('on a narrow screen the keys and usage pages fit without sideways scrolling', async ({
  page,
  servers,
  admin,
  login,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const email = await login('mobile');
  const user = await admin.createUser(email);
  const key = await admin.createKey(user.id, { name: 'Phone app', limitPerMinute: 30, limitPerDay: 2000 });
  for (const path of ['/json', '/status/404', '/echo']) await proxy(servers.proxyUrl, key.key, path);
  const pageOverflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.reload();
  await expect(page.getByTestId('key-card')).toHaveCount(1);
  await expect(page.getByTestId('key-card')).toContainText('30/min · 2,000/day');
  await expect(page.getByRole('button', { name: 'Delete Phone app' })).toBeInViewport();
  expect(await pageOverflow()).toBeLessThanOrEqual(0);
  await screenshot(page, 'keys-mobile');

  await page.getByRole('link', { name: 'Usage of Phone app' }).click();
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByTestId('log-row')).toHaveCount(3, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  expect(await pageOverflow()).toBeLessThanOrEqual(0);
  await screenshot(page, 'usage-mobile');
});
