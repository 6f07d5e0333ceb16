// The gateway's own test OpenID provider (panva's certified oidc-provider, a one-field sign-in form).
import { startTestOidcProvider, type TestOidcProvider } from '../../gateway/test/support/oidc-provider';
import { expect, screenshot, test } from './support/fixtures';
import { freePort, type RunningStack, startStack } from './support/servers';

const CONSUMER = 'sso-consumer@example.com';
const OPERATOR = 'sso-operator@example.com';

let provider: TestOidcProvider;
let stack: RunningStack;

test.beforeAll(async () => {
  // The provider must know the gateway's callback before the gateway starts, and the other way round.
  const managementPort = await freePort();
  const callback = `http://localhost:${managementPort}/auth/oidc/callback`;
  provider = await startTestOidcProvider({
    redirectUris: [callback],
    accounts: [{ email: CONSUMER }, { email: OPERATOR, groups: ['gateway-admins'] }],
  });
  stack = await startStack({ name: 'sso', managementPort, env: provider.gatewayEnv(callback) });
});

test.afterAll(async () => {
  await stack?.stop();
  await provider?.stop();
});

test('“Sign in with Test SSO” signs a consumer in and returns to the page asked for', async ({ page }) => {
  await page.goto(`${stack.dashboardUrl}/keys`);
  await expect(page).toHaveURL(/\/login\?next=%2Fkeys$/);
  const sso = page.getByRole('link', { name: 'Sign in with Test SSO' });
  await expect(sso).toHaveAttribute('href', `${stack.managementUrl}/auth/oidc/start?returnTo=%2Fkeys`);
  await expect(page.getByLabel('Email')).toBeVisible(); // the mailed link stays on offer
  await screenshot(page, 'login-with-sso');

  await sso.click();
  await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
  await page.getByLabel('Email').fill(CONSUMER);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(`${stack.dashboardUrl}/keys`);
  await expect(page.getByTestId('current-user')).toHaveText(CONSUMER);
  await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();
});

test('the provider’s admin group makes an admin, who lands on the admin overview', async ({ page }) => {
  await page.goto(`${stack.dashboardUrl}/login`);
  await page.getByRole('link', { name: 'Sign in with Test SSO' }).click();
  await page.getByLabel('Email').fill(OPERATOR);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${stack.dashboardUrl}/admin`);
  const session = await page.request.get(`${stack.managementUrl}/auth/session`);
  expect(((await session.json()) as { role: string }).role).toBe('admin');
});

test('a callback without its flow is refused and the sign-in page says so', async ({ page }) => {
  // E.g. a forged or replayed callback URL: the gateway sends the browser to /login?error=sso.
  await page.goto(`${stack.managementUrl}/auth/oidc/callback?code=forged&state=forged`);
  await expect(page).toHaveURL(`${stack.dashboardUrl}/login?error=sso`);
  await expect(page.getByRole('alert').filter({ hasText: 'Single sign-on failed' })).toContainText(
    'Test SSO did not sign you in',
  );
  expect((await page.request.get(`${stack.managementUrl}/auth/session`)).status()).toBe(401);
});
