import { expect, screenshot, test } from './support/fixtures';
import { freePort, type RunningServer, startDashboard } from './support/servers';

// A second dashboard whose GATEWAY_API_URL points at a port nobody listens on.
let dashboard: RunningServer;
let deadGatewayUrl: string;

test.beforeAll(async () => {
  deadGatewayUrl = `http://localhost:${await freePort()}`;
  dashboard = await startDashboard({
    port: await freePort(),
    gatewayUrl: deadGatewayUrl,
    proxyUrl: 'https://api.example.com/',
    name: 'dashboard-no-gateway',
  });
});

test.afterAll(async () => {
  await dashboard?.stop();
});

test('runtime config comes from GATEWAY_API_URL and GATEWAY_PROXY_URL at request time', async ({ request }) => {
  const response = await request.get(`${dashboard.url}/api/runtime-config`);
  expect(response.headers()['cache-control']).toContain('no-store');
  expect(await response.json()).toEqual({ gatewayApiUrl: deadGatewayUrl, gatewayProxyUrl: 'https://api.example.com' });
});

test('the gateway being down shows a clear message, not a blank page', async ({ page }) => {
  await page.goto(`${dashboard.url}/keys`);
  await expect(page.getByRole('heading', { name: "Can't reach the gateway" })).toBeVisible();
  await expect(page.getByText(deadGatewayUrl)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await screenshot(page, 'gateway-down');
  await page.goto(`${dashboard.url}/analytics`);
  await expect(page.getByRole('heading', { name: "Can't reach the gateway" })).toBeVisible();

  await page.goto(`${dashboard.url}/login`);
  await page.getByLabel('Email').fill('someone@example.com');
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByText("Can't reach the gateway")).toBeVisible();
});
