import { expect, screenshot, test } from './support/fixtures';

// The caps are one setting for the whole (shared) gateway: this test sets them and puts them back.
test('a consumer sees their caps in the key dialogs and the gateway’s refusals beside the fields', async ({
  page,
  admin,
  login,
}) => {
  // Only the caps go back: `keyDefaults` in the answer is read-only (PATCH refuses unknown fields).
  const { maxKeysPerUser, maxLimitPerMinute, maxLimitPerDay } = await admin.call<Record<string, number>>(
    'GET',
    '/settings',
  );
  const before = {
    maxKeysPerUser: maxKeysPerUser!,
    maxLimitPerMinute: maxLimitPerMinute!,
    maxLimitPerDay: maxLimitPerDay!,
  };
  await admin.updateSettings({ maxKeysPerUser: 2, maxLimitPerMinute: 50, maxLimitPerDay: 500 });
  try {
    const email = await login('capped');
    await expect(page.getByText('0 of 2 keys')).toBeVisible();

    await page.getByRole('button', { name: 'Create key' }).first().click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('key-cap')).toHaveText('You have 0 of 2 keys.');
    await expect(dialog.getByText('At most 50 for your account')).toBeVisible();
    await expect(dialog.getByText('At most 500 for your account')).toBeVisible();

    // Above the cap: the gateway's 400 names the field, and the dialog shows it there.
    await dialog.getByLabel('Name').fill('Greedy');
    await dialog.getByLabel('Requests per minute').fill('51');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByLabel('Requests per minute')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.locator('#create-limit-minute-error')).toContainText(/^Requests per minute .*50/);
    await screenshot(page, 'create-dialog-cap-limit');

    await dialog.getByLabel('Requests per minute').fill('50');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByRole('heading', { name: 'Save your API key' })).toBeVisible();
    await dialog.getByRole('button', { name: "I've saved my key" }).click();
    await expect(page.getByText('1 of 2 keys')).toBeVisible();

    // The edit dialog holds the same line.
    await page.getByRole('button', { name: 'Edit Greedy' }).click();
    await expect(dialog.getByText('At most 500 for your account')).toBeVisible();
    await dialog.getByLabel('Requests per day').fill('501');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByLabel('Requests per day')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.locator('#edit-limit-day-error')).toContainText(/^Requests per day .*500/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // All keys in use: the dialog warns up front, and the gateway's 403 CAP_EXCEEDED says why.
    const me = await admin.createUser(email);
    await admin.createKey(me.id, { name: 'Second' });
    await page.reload();
    await expect(page.getByText('2 of 2 keys')).toBeVisible();
    await page.getByRole('button', { name: 'Create key' }).first().click();
    await expect(dialog.getByTestId('key-cap-reached')).toContainText('All your keys are in use');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const refusal = dialog.getByRole('alert').filter({ hasText: 'Above your allowance' });
    await expect(refusal).toContainText('You already hold 2 keys');
    await screenshot(page, 'create-dialog-cap-exceeded');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await admin.keysOf(me.id)).length).toBe(2);
  } finally {
    await admin.updateSettings(before);
  }
});
