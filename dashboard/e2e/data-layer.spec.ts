import { expect, test, uniqueEmail } from './support/fixtures';

// The dashboard's data layer (SWR): answers are cached per resource and shared between components.

test('signing in asks the gateway for the session once', async ({ page, signInAs }) => {
  const sessionRequests: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'GET' && new URL(request.url()).pathname === '/auth/session') {
      sessionRequests.push(request.url());
    }
  });
  // Through the API: the sign-in page's own "already signed in?" probe is not part of signing in.
  await signInAs(page, uniqueEmail('session-once'), { via: 'api' });
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();
  // The link check asked once; the signed-in pages reuse that answer instead of asking again.
  expect(sessionRequests).toHaveLength(1);
});

test('going back to the key list shows the keys at once, without a loading skeleton', async ({
  page,
  admin,
  servers,
  signInAs,
}) => {
  const email = uniqueEmail('back-to-keys');
  const user = await admin.createUser(email);
  await admin.createKey(user.id, { name: 'Cached key' });
  await signInAs(page, email, { via: 'api' });
  await expect(page.getByRole('link', { name: 'Cached key', exact: true })).toBeVisible();

  // From here on the gateway answers the key list slowly: a page that waits for it shows its skeleton.
  const keyList = (url: URL) => url.origin === servers.managementUrl && url.pathname === '/keys';
  await page.route(keyList, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await route.continue();
  });
  await page.getByRole('link', { name: 'Cached key', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Cached key' })).toBeVisible();

  // Record whether the skeleton shows up at any moment after going back.
  await page.evaluate(() => {
    const seen = { skeleton: false };
    (window as unknown as { e2eSeen: typeof seen }).e2eSeen = seen;
    new MutationObserver(() => {
      if (document.querySelector('[aria-label="Loading keys"]')) seen.skeleton = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  const revalidations: Promise<unknown>[] = [];
  page.on('request', (request) => {
    if (keyList(new URL(request.url()))) revalidations.push(request.response());
  });
  await page.goBack();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('link', { name: 'Cached key', exact: true })).toBeVisible({ timeout: 1_500 });
  // A background revalidation (delayed by the route above) ends without ever hiding the list.
  await Promise.all(revalidations);
  await expect(page.getByRole('link', { name: 'Cached key', exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { e2eSeen: { skeleton: boolean } }).e2eSeen.skeleton)).toBe(
    false,
  );
});

test('signing out forgets cached answers: the keys page asks for the session again', async ({
  page,
  admin,
  signInAs,
}) => {
  const email = uniqueEmail('sign-out-cache');
  const user = await admin.createUser(email);
  await admin.createKey(user.id, { name: 'Private key' });
  await signInAs(page, email, { via: 'api' });
  await expect(page.getByRole('link', { name: 'Private key', exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  // A client-side navigation keeps the page's memory (a reload would empty any cache anyway).
  await page.evaluate(() =>
    (window as unknown as { next: { router: { push(href: string): void } } }).next.router.push('/keys'),
  );
  // No session from the cache: the gateway says 401 and the page goes back to sign-in.
  await expect(page).toHaveURL(/\/login\?next=%2Fkeys$/);
  await expect(page.getByText('Private key')).toHaveCount(0);
});
