import { DESKTOP_AND_PHONE, expect, proxy, screenshot, test } from './support/fixtures';

test.describe.configure({ mode: 'serial' });

test('a user rolls a key with a grace period, sees the new secret once, watches the old one, ends the grace', async ({
  page,
  servers,
  admin,
  login,
}) => {
  const email = await login('roller');
  const user = await admin.createUser(email);
  const created = await admin.createKey(user.id, { name: 'Billing worker' });
  const oldKey = created.key;
  let newKey = '';

  await test.step('roll with a one-hour grace period: the new secret is shown once', async () => {
    await page.goto(`/keys/${created.id}`);
    await expect(page.getByRole('heading', { name: 'Billing worker' })).toBeVisible();
    await expect(page.getByTestId('previous-secret')).toHaveCount(0);
    await page.getByRole('button', { name: 'Roll key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '1 hour' }).click();
    await expect(dialog.getByRole('button', { name: '1 hour' })).toHaveAttribute('aria-pressed', 'true');
    await screenshot(page, 'key-roll-dialog');
    await dialog.getByRole('button', { name: 'Roll key' }).click();

    await expect(dialog.getByRole('heading', { name: 'Save the new key' })).toBeVisible();
    await expect(dialog.getByText("You won't see this key again")).toBeVisible();
    newKey = await dialog.getByLabel('New API key').inputValue();
    expect(newKey).toMatch(/^ak_[1-9A-HJ-NP-Za-km-z]{20,}$/);
    expect(newKey).not.toBe(oldKey);
    await expect(dialog.getByRole('button', { name: 'Copy' })).toBeVisible();
    await screenshot(page, 'key-roll-secret');
    await dialog.getByRole('button', { name: "I've saved the new key" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText(newKey)).toHaveCount(0);
  });

  const card = page.getByTestId('previous-secret');
  await test.step('the old secret: its start, a live countdown, not used since the roll', async () => {
    await expect(card).toContainText(created.start);
    await expect(card.getByTestId('previous-last-used')).toHaveText('Not used since the roll');
    const countdown = card.getByTestId('grace-countdown');
    await expect(countdown).toHaveText(/^00:59:\d\d$|^01:00:00$/);
    const first = await countdown.textContent();
    await expect(countdown).not.toHaveText(first ?? '', { timeout: 3_000 }); // it ticks
    // Both secrets work during the grace period.
    expect(await proxy(servers.proxyUrl, newKey)).toBe(200);
  });

  await test.step("using the old secret through the proxy shows as the old secret's last use", async () => {
    expect(await proxy(servers.proxyUrl, oldKey)).toBe(200);
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(card.getByTestId('previous-last-used')).toHaveText('just now', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    for (const viewport of DESKTOP_AND_PHONE) {
      await page.setViewportSize(viewport);
      await screenshot(page, `key-roll-grace-${viewport.name}`);
    }
    await page.setViewportSize(DESKTOP_AND_PHONE[0]);
  });

  await test.step('end the grace period now: the old secret is refused, the new one works', async () => {
    await card.getByRole('button', { name: 'End grace period now' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText(created.start);
    await confirm.getByRole('button', { name: 'End grace period' }).click();
    await expect(confirm).toBeHidden();
    await expect(card).toHaveCount(0);
    expect(await proxy(servers.proxyUrl, oldKey)).toBe(401);
    expect(await proxy(servers.proxyUrl, newKey)).toBe(200);
  });
});

test('the roll is also in the key list, and without grace the old secret stops at once', async ({
  page,
  servers,
  admin,
  login,
}) => {
  const email = await login('roller-list');
  const user = await admin.createUser(email);
  const created = await admin.createKey(user.id, { name: 'Cron job' });
  await page.reload();
  await page.getByRole('button', { name: 'Roll Cron job' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'None' }).click();
  await dialog.getByRole('button', { name: 'Roll key' }).click();
  const newKey = await dialog.getByLabel('New API key').inputValue();
  await dialog.getByRole('button', { name: "I've saved the new key" }).click();
  await expect(page.getByTestId('key-row').locator('code')).toHaveText(`${newKey.slice(0, 7)}…`);
  expect(await proxy(servers.proxyUrl, created.key)).toBe(401);
  expect(await proxy(servers.proxyUrl, newKey)).toBe(200);
});
