import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { adminApi } from './api';
import { mailboxSnapshot, waitForSignInLink } from './mailbox';
import { RESULTS_DIR, STACK_ENV, type Stack } from './servers';

export { adminApi, proxy } from './api';
export { expect };

export interface SignInOptions {
  /** Ask for the link on the sign-in page (default) or with `POST /auth/email` from the test. */
  via?: 'ui' | 'api';
  /** The page to ask for first (`/login?next=…`); by default the role's home page. */
  next?: string;
}

interface Fixtures {
  /** The gateway and dashboard global setup started for every test. */
  servers: Stack;
  /** The management API as the bootstrap admin token sees it (seeding and checks). */
  admin: ReturnType<typeof adminApi>;
  /** Signs `page` in as `email` with a real mailed link (see `signInWithMailedLink`); returns the link. */
  signInAs(page: Page, email: string, options?: SignInOptions): Promise<string>;
  /** Signs the test's page in as a fresh consumer and returns the email. */
  login(prefix?: string): Promise<string>;
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  servers: async ({}, use) => use(stackFromEnv()),
  // The servers run on free ports chosen by global setup, so baseURL is only known at run time.
  baseURL: async ({ servers }, use) => use(servers.dashboardUrl),
  admin: async ({ servers }, use) => use(adminApi(servers)),
  signInAs: async ({ servers }, use) =>
    use((page, email, options) => signInWithMailedLink(page, servers, email, options)),
  login: async ({ page, servers }, use) => {
    await use(async (prefix = 'user') => {
      const email = uniqueEmail(prefix);
      await signInWithMailedLink(page, servers, email);
      await expect(page).toHaveURL(/\/keys$/);
      await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();
      return email;
    });
  },
});

function stackFromEnv(): Stack {
  const raw = process.env[STACK_ENV];
  if (!raw) throw new Error(`${STACK_ENV} is not set: run the tests through playwright.config.ts (global setup)`);
  return JSON.parse(raw) as Stack;
}

/**
 * A real sign-in by mailed link: asks for a link (on the sign-in page, or through the API), reads the
 * newest mail to `email` from the gateway's dev mailbox, and opens its link in `page`, which then holds
 * the gateway's session cookie. Drops the context's cookies first: one browser, one identity.
 */
export async function signInWithMailedLink(
  page: Page,
  stack: Stack,
  email: string,
  { via = 'ui', next }: SignInOptions = {},
): Promise<string> {
  await page.context().clearCookies();
  const seen = await mailboxSnapshot(stack.dataDir);
  if (via === 'ui') {
    await page.goto(`${stack.dashboardUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  } else {
    const response = await fetch(`${stack.managementUrl}/auth/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(response.status, 'POST /auth/email').toBe(202);
  }
  const link = await waitForSignInLink(stack.dataDir, email, { seen });
  await openSignInLink(page, link);
  await expect(page, `signing in as ${email} by ${link}`).not.toHaveURL(/\/(auth\/verify|login)(\?|#|$)/);
  return link;
}

/** Opens a mailed link as a fresh navigation (a fragment-only change on the same page would not reload it). */
export async function openSignInLink(page: Page, link: string): Promise<void> {
  if (new URL(page.url() || 'about:blank', 'about:blank').pathname === new URL(link).pathname) {
    await page.goto('about:blank');
  }
  await page.goto(link);
}

/** The two widths every page is checked at: a laptop and a 390 px phone. */
export const DESKTOP_AND_PHONE = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

/** Saves a (by default full-page) screenshot to test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  const dir = path.join(RESULTS_DIR, 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage, animations: 'disabled' });
}
