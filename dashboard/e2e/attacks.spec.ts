import type { Page } from '@playwright/test';
import { type AttackerServer, startAttacker } from './support/attacker';
import { adminApi, expect, signInWithMailedLink, test, uniqueEmail } from './support/fixtures';
import { type RunningStack, startStack } from './support/servers';

interface AttackOutcome {
  /** What the page's scripts saw. */
  seen: Record<'jsonFetch' | 'simpleFetch' | 'emptyFetch' | 'readSession', string>;
  /**
   * Every POST /keys that left the browser and the gateway's status, as the network saw it (DevTools
   * protocol: Chromium hides a no-cors response from the page, and from Playwright, behind ORB).
   */
  posts: { body: string; status: number | null }[];
  /** The gateway's answer to the form post (a top-level navigation, so its body is readable here). */
  form: { status: number; code: string | undefined };
}

/**
 * Opens the hostile page while the victim's browser holds a gateway session, lets its scripts run,
 * then submits its form (a plain cross-origin form post, which no CORS rule stops).
 */
async function runAttack(page: Page, pageUrl: string, managementUrl: string): Promise<AttackOutcome> {
  const target = `${managementUrl}/keys`;
  const sent = new Map<string, string>(); // requestId → body of each POST /keys
  const statuses = new Map<string, number>(); // requestId → status off the wire
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
    if (request.url === target && request.method === 'POST') sent.set(requestId, request.postData ?? '');
  });
  // The raw response as it came off the wire, before the browser decides what the page may see. The
  // protocol does not order this event after requestWillBeSent, so statuses are joined at the end.
  cdp.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => statuses.set(requestId, statusCode));
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    if (!statuses.has(requestId)) statuses.set(requestId, response.status);
  });
  const posts = () => [...sent].map(([id, body]) => ({ body, status: statuses.get(id) ?? null }));

  await page.goto(pageUrl);
  const seen = (await page.evaluate(
    () => (window as unknown as { attackDone: Promise<unknown> }).attackDone,
  )) as AttackOutcome['seen'];
  const formAnswer = page.waitForResponse((response) => response.url() === target);
  await page.getByRole('button', { name: 'Claim your prize' }).click();
  const answer = await formAnswer;
  const problem = (await answer.json().catch(() => ({}))) as { code?: string };
  // The two no-cors POSTs are known only from the network (the form's answer is read above).
  const answered = (body: (text: string) => boolean) => posts().some((post) => body(post.body) && post.status !== null);
  await expect
    .poll(() => answered((text) => text.includes('stolen-simple')) && answered((text) => text === ''))
    .toBe(true);
  await cdp.detach();
  return { seen, posts: posts(), form: { status: answer.status(), code: problem.code } };
}

function expectRefused(outcome: AttackOutcome): void {
  // The JSON request dies in its CORS preflight; reading the session is not allowed to this origin.
  expect(outcome.seen.jsonFetch).toMatch(/^blocked/);
  expect(outcome.seen.readSession).toMatch(/^blocked/);
  const posts = outcome.posts;
  // The preflighted POST is announced by the browser but no answer ever comes: it was never sent.
  expect(posts.find((post) => post.body.includes('stolen-fetch'))?.status ?? null).toBeNull();
  // Bodies a form or a no-cors fetch can send are not JSON: refused before anything else.
  expect(outcome.form).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  expect(posts.find((post) => post.body.includes('stolen-simple'))?.status).toBe(415);
  // A POST without a body carries the cookie and no content type: the Origin check refuses it.
  // (Without that check the gateway would create a key with default settings for the victim.)
  expect(posts.find((post) => post.body === '')?.status).toBe(403);
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
