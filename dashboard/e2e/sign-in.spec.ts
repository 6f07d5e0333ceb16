import { expect, openSignInLink, screenshot, test, uniqueEmail } from './support/fixtures';
import { mailboxSnapshot, waitForSignInLink } from './support/mailbox';
import { SIGN_IN_PER_EMAIL_PER_MINUTE } from './support/servers';

test('sign in by the mailed link; the same link is refused the second time', async ({ page, browser, servers }) => {
  const email = uniqueEmail('mailed');
  const seen = await mailboxSnapshot(servers.dataDir);

  await page.goto('/keys');
  await expect(page).toHaveURL(/\/login\?next=%2Fkeys$/); // no session yet: sent to sign in
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();

  const inbox = page.getByTestId('check-inbox');
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(inbox).toContainText(email);
  // No SMTP_URL in the tests: the page says where the link went instead.
  await expect(inbox.getByText('No mail server is configured')).toBeVisible();
  await expect(inbox).toContainText('DATA_DIR/mailbox/');
  // Resend waits about 30 s and says how long.
  await expect(inbox.getByRole('button', { name: /^Resend link \(\d+ s\)$/ })).toBeDisabled();

  const link = await waitForSignInLink(servers.dataDir, email, { seen });
  const url = new URL(link);
  expect(url.origin).toBe(servers.dashboardUrl);
  expect(url.pathname).toBe('/auth/verify');
  expect(url.search).toBe(''); // the token travels in the fragment, which no server ever receives
  expect(new URLSearchParams(url.hash.slice(1)).get('email')).toBe(email);

  await openSignInLink(page, link);
  await expect(page).toHaveURL(/\/keys$/); // back where the person wanted to go
  expect(page.url()).not.toContain('#'); // the token is gone from the address bar…
  await expect(page.getByTestId('current-user')).toHaveText(email);
  await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();

  // …and the link cannot be used again, not even in another browser.
  const other = await browser.newContext({ baseURL: servers.dashboardUrl });
  const second = await other.newPage();
  await second.goto(link);
  await expect(second.getByRole('heading', { name: 'Link expired or already used' })).toBeVisible();
  expect(second.url()).not.toContain('#');
  await screenshot(second, 'sign-in-link-used');
  await second.getByRole('link', { name: 'Back to sign in' }).click();
  await expect(second).toHaveURL(/\/login\?email=/);
  await expect(second.getByLabel('Email')).toHaveValue(email);
  await other.close();
});

test('a tampered or incomplete link explains itself', async ({ page, servers }) => {
  await page.goto(`/auth/verify#email=${encodeURIComponent('nobody@example.com')}&token=not-a-real-token`);
  await expect(page.getByRole('heading', { name: 'Link expired or already used' })).toBeVisible();
  expect(page.url()).toBe(`${servers.dashboardUrl}/auth/verify`);

  await page.goto('about:blank');
  await page.goto('/auth/verify');
  await expect(page.getByRole('heading', { name: 'Incomplete sign-in link' })).toBeVisible();
});

test('an admin address lands on the admin overview', async ({ page, servers, signInAs }) => {
  await signInAs(page, servers.adminEmail);
  await expect(page).toHaveURL(/\/admin$/);
  const session = await page.request.get(`${servers.managementUrl}/auth/session`);
  expect(((await session.json()) as { role: string }).role).toBe('admin');
});

test('“use another email” goes back to the form; a failed SSO says so', async ({ page }) => {
  await page.goto('/login?error=sso');
  await expect(page.getByRole('alert').filter({ hasText: 'Single sign-on failed' })).toBeVisible();

  await page.getByLabel('Email').fill(uniqueEmail('typo'));
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await page.getByRole('button', { name: 'Use another email' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(/^typo-/);
});

test('sign out everywhere ends the sessions in other browsers too', async ({ page, browser, servers, signInAs }) => {
  const email = uniqueEmail('everywhere');
  await signInAs(page, email);

  const laptop = await browser.newContext({ baseURL: servers.dashboardUrl });
  const other = await laptop.newPage();
  await signInAs(other, email);
  await expect(other).toHaveURL(/\/keys$/);

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await other.reload();
  await expect(other).toHaveURL(/\/login\?next=%2Fkeys$/);
  await laptop.close();
});

test('resend waits its turn, and a 429 from the gateway is shown with its wait', async ({ page }) => {
  // The page's clock runs fast so the test need not sit through the 30 s waits; the gateway's does not.
  await page.clock.install();
  const email = uniqueEmail('impatient');
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  const inbox = page.getByTestId('check-inbox');
  const resend = inbox.getByRole('button', { name: /^Resend link/ });
  await expect(resend).toHaveText('Resend link (30 s)');
  await expect(resend).toBeDisabled();

  // The gateway allows a few links per email and minute; the page keeps asking until it says no.
  let refused = false;
  for (let attempt = 0; attempt < SIGN_IN_PER_EMAIL_PER_MINUTE + 2 && !refused; attempt++) {
    await page.clock.fastForward(31_000);
    await expect(resend).toHaveText('Resend link');
    await resend.click();
    await expect(resend).toHaveText(/^Resend link \(\d+ s\)$/); // answered: sent again, or refused
    refused = await inbox.getByRole('alert').filter({ hasText: 'Rate limit exceeded' }).isVisible();
  }
  expect(refused, 'the gateway refused a resend within the minute').toBe(true);
  await expect(inbox.getByRole('alert')).toContainText('Too many sign-in requests for this email');
  await expect(resend).toHaveText(/^Resend link \(\d+ s\)$/);
  await screenshot(page, 'check-inbox-rate-limited');
});
