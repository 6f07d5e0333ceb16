import type { Page } from '@playwright/test';
import { type AttackerServer, startAttacker } from './support/attacker';
import { adminApi, expect, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { type RunningStack, startStack } from './support/servers';

interface AttackOutcome {
  /** What the page's scripts saw. */
  seen: Record<'jsonFetch' | 'simpleFetch' | 'readSession', string>;
  /** Every POST /keys that reached the network, with the gateway's answer (null: no answer). */
  posts: { body: string; status: number | null }[];
}

/**
 * Opens the hostile page while the victim's browser holds a gateway session, lets its scripts run,
 * then submits its form (a plain cross-origin form post, which no CORS rule stops).
 */
async function runAttack(page: Page, pageUrl: string, managementUrl: string): Promise<AttackOutcome> {
  const posts: AttackOutcome['posts'] = [];
  const target = `${managementUrl}/keys`;
  page.on('requestfinished', async (request) => {
    if (request.url() !== target || request.method() !== 'POST') return;
    posts.push({ body: request.postData() ?? '', status: (await request.response())?.status() ?? null });
  });
  page.on('requestfailed', (request) => {
    if (request.url() === target && request.method() === 'POST')
      posts.push({ body: request.postData() ?? '', status: null });
  });

  await page.goto(pageUrl);
  const seen = (await page.evaluate(
    () => (window as unknown as { attackDone: Promise<unknown> }).attackDone,
  )) as AttackOutcome['seen'];
  const formAnswer = page.waitForResponse((response) => response.url() === target);
  await page.getByRole('button', { name: 'Claim your prize' }).click();
  await formAnswer;
  await expect.poll(() => posts.some((post) => post.body.includes('stolen-form'))).toBe(true);
  return { seen, posts };
}

function expectRefused(outcome: AttackOutcome): void {
  // The JSON request dies in its CORS preflight; reading the session is not allowed to this origin.
  expect(outcome.seen.jsonFetch).toMatch(/^blocked/);
  expect(outcome.seen.readSession).toMatch(/^blocked/);
  // Whatever did reach the gateway with the cookie was refused, never created.
  expect(outcome.posts.length).toBeGreaterThan(0);
  for (const post of outcome.posts) {
    // A preflighted request that failed its preflight shows up as failed, never sent (status null).
    if (post.status === null && post.body.includes('stolen-fetch')) continue;
    expect(post.status, `POST /keys ${post.body}`).not.toBeNull();
    expect(post.status, `POST /keys ${post.body}`).toBeGreaterThanOrEqual(400);
    expect(post.status, `POST /keys ${post.body}`).toBeLessThan(500);
  }
  // The two requests that did carry the cookie to the gateway were among them.
  expect(outcome.posts.filter((post) => post.status !== null).map((post) => post.body)).toEqual(
    expect.arrayContaining([expect.stringContaining('stolen-simple'), expect.stringContaining('stolen-form')]),
  );
}

test.describe('a page served through the gateway’s own proxy listener', () => {
  let upstream: AttackerServer;
  let stack: RunningStack;

  test.beforeAll(async () => {
    // The attacker controls an upstream behind the gateway (any consumer's API could serve such a page).
    upstream = await startAttacker();
    stack = await startStack({ name: 'attack', upstreamUrl: upstream.upstreamUrl });
    upstream.target = stack.managementUrl;
  });

  test.afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
  });

  test('cannot create a key with the signed-in victim’s session', async ({ page }) => {
    const admin = adminApi(stack);
    const attacker = await admin.createUser(uniqueEmail('attacker'));
    const attackerKey = await admin.createKey(attacker.id, { name: 'Attacker key' });
    const victimEmail = uniqueEmail('victim');
    await signInWithMailedLink(page, stack, victimEmail);
    const victim = await admin.createUser(victimEmail);
    const cookies = await page.context().cookies(stack.managementUrl);
    expect(cookies.map((cookie) => cookie.name)).toContain('gw_session'); // the victim really is signed in

    // The lure: a link to the public proxy, with the attacker's own key in the query string.
    const outcome = await runAttack(
      page,
      `${stack.proxyUrl}/proxy/prize?api_key=${attackerKey.key}`,
      stack.managementUrl,
    );
    expect(page.url()).not.toContain('/proxy/'); // the form did post (the page left the proxy origin)
    expectRefused(outcome);
    expect((await admin.keysOf(victim.id)).map((key) => key.name)).toEqual([]);

    // The proxy never hands the gateway's cookie to an upstream.
    const served = upstream.requests.filter((request) => request.path.startsWith('/prize'));
    expect(served.length).toBeGreaterThan(0);
    for (const request of served) expect(request.headers.cookie ?? '').not.toContain('gw_session');

    // Control: the same session still works from the dashboard, so the refusals above were the gateway's doing.
    await page.goto(`${stack.dashboardUrl}/keys`);
    await page.getByRole('button', { name: 'Create key' }).first().click();
    await page.getByRole('dialog').getByLabel('Name').fill('Legit key');
    await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('dialog').getByRole('heading', { name: 'Save your API key' })).toBeVisible();
    expect((await admin.keysOf(victim.id)).map((key) => key.name)).toEqual(['Legit key']);
  });
});

test('a page on another localhost port cannot use the victim’s session', async ({ page, servers, admin, login }) => {
  const attacker = await startAttacker(servers.managementUrl);
  try {
    const email = await login('victim');
    const victim = await admin.createUser(email);

    const outcome = await runAttack(page, `${attacker.url}/prize`, servers.managementUrl);
    expectRefused(outcome);
    expect((await admin.keysOf(victim.id)).map((key) => key.name)).toEqual([]);
    // Nothing signed the victim out either.
    expect((await page.request.get(`${servers.managementUrl}/auth/session`)).status()).toBe(200);
  } finally {
    await attacker.close();
  }
});
