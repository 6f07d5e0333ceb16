import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { RESULTS_DIR } from './servers';

export { expect };

interface Fixtures {
  gatewayUrl: string;
  /** Logs in through the UI with a fresh email and returns it. */
  login(prefix?: string): Promise<string>;
}

export const test = base.extend<Fixtures>({
  // The servers run on free ports chosen by global setup, so baseURL is only known at run time.
  baseURL: async ({ baseURL }, use) => use(process.env.E2E_DASHBOARD_URL ?? baseURL),
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  gatewayUrl: async ({}, use) => use(requiredEnv('E2E_GATEWAY_URL')),
  login: async ({ page }, use) => {
    await use(async (prefix = 'user') => {
      const email = uniqueEmail(prefix);
      await page.goto('/login');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Continue with email' }).click();
      await expect(page).toHaveURL(/\/keys$/);
      await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();
      return email;
    });
  },
});

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through playwright.config.ts (global setup)`);
  return value;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

/** Saves a (by default full-page) screenshot to test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  const dir = path.join(RESULTS_DIR, 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage, animations: 'disabled' });
}

/** One proxied request through the gateway, as a customer's client would make it. */
export async function proxy(gatewayUrl: string, key: string, pathAndQuery = '/json', init: RequestInit = {}) {
  const response = await fetch(`${gatewayUrl}/proxy${pathAndQuery}`, {
    ...init,
    headers: { 'x-api-key': key, ...(init.headers as Record<string, string> | undefined) },
  });
  await response.arrayBuffer();
  return response.status;
}

/** A session for API-level setup (the non-browser login: Bearer token from `POST /users`). */
export async function apiLogin(gatewayUrl: string, email: string): Promise<{ token: string; userId: string }> {
  const response = await fetch(`${gatewayUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(response.status, 'POST /users').toBeLessThan(300);
  const body = (await response.json()) as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id };
}

export async function apiCreateKey(gatewayUrl: string, token: string, body: Record<string, unknown>) {
  const response = await fetch(`${gatewayUrl}/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(response.status, 'POST /keys').toBe(201);
  return (await response.json()) as { id: string; key: string; name: string; start: string };
}
