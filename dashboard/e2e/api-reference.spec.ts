import { expect, test } from './support/fixtures';

test('the account menu opens the API reference, rendered from the gateway alone', async ({
  page,
  context,
  servers,
  login,
}) => {
  await login('reader');
  const allowed = new Set([new URL(servers.managementUrl).origin, new URL(servers.dashboardUrl).origin]);
  const elsewhere: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && !allowed.has(url.origin)) elsewhere.push(request.url());
  });
  // A CSP violation or a failed script shows up as a console error.
  context.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  await page.getByRole('button', { name: /Account menu/ }).click();
  const link = page.getByRole('menuitem', { name: 'API reference' });
  await expect(link).toHaveAttribute('href', `${servers.managementUrl}/docs`);
  const [reference] = await Promise.all([page.waitForEvent('popup'), link.click()]);

  await expect(reference.getByRole('heading', { name: /API Gateway management API/ })).toBeVisible();
  await expect(reference.locator('[data-path="/keys/{id}/roll"]')).toBeVisible();
  await expect(reference.locator('[data-path="/usage/{keyId}"]')).toBeVisible();
  expect(elsewhere).toEqual([]);
  expect(errors).toEqual([]);
});
