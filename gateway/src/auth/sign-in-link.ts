import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { dashboardOriginFor } from '../http/dashboard-origins.js';
import type { Mail } from '../mail/mailer.js';
import { generateSignInToken, hashSecret } from './secret-token.js';

/**
 * Stores a new one-time token for `email` (hash only) and returns the link that carries it, pointing
 * at the dashboard origin that asked (`origin`, when allowed) so the session lands where the person is.
 */
export async function issueSignInLink(prisma: PrismaClient, config: Config, email: string, origin?: unknown) {
  const { token, hash } = generateSignInToken();
  const expiresAt = new Date(Date.now() + config.SIGN_IN_LINK_TTL_MINUTES * 60_000);
  await prisma.signInToken.create({ data: { email, tokenHash: hash, expiresAt } });
  // The token travels in the fragment: browsers never send it to the dashboard's server, so it
  // cannot end up in access logs or Referer headers there.
  const params = new URLSearchParams({ email, token });
  return { link: `${dashboardOriginFor(config, origin)}/auth/verify#${params}`, expiresAt };
}

/**
 * Uses up a token: true only for an unused, unexpired token issued for this very email. The
 * conditional update makes it single-use even when the link is opened twice at once.
 */
export async function consumeSignInToken(prisma: PrismaClient, email: string, token: string): Promise<boolean> {
  const { count } = await prisma.signInToken.updateMany({
    where: { tokenHash: hashSecret(token), email, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  return count === 1;
}

export function signInMail(email: string, link: string, minutes: number): Mail {
  const text = [
    'Sign in to the API Gateway dashboard with this link:',
    '',
    link,
    '',
    `It works once, within ${minutes} minutes. If you did not ask to sign in, ignore this mail.`,
  ].join('\n');
  const href = link.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  const html = `<p>Sign in to the API Gateway dashboard:</p><p><a href="${href}">Sign in</a></p><p>The link works once, within ${minutes} minutes. If you did not ask to sign in, ignore this mail.</p>`;
  return { to: email, subject: 'Your sign-in link', text, html };
}
