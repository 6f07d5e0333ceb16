'use client';

import type { EmailSignInResponse } from '@gateway/shared';
import { LogIn, TriangleAlert } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { type ApiError, toApiError } from '@/lib/api-error';
import { homeFor } from '@/lib/nav';
import { useResource } from '@/lib/use-resource';
import { AuthShell } from '../_components/auth-shell';
import { rememberNext } from '../_components/pending-sign-in';
import { CheckInbox } from './_components/check-inbox';
import { EmailForm } from './_components/email-form';
import { useCountdown } from './_components/use-countdown';

/** How long "Resend" waits after a link was sent: enough for a mail to arrive, short enough to retry. */
const RESEND_AFTER_SECONDS = 30;

interface LoginClientProps {
  /** Where to go after signing in; null: the role's home page. */
  next: string | null;
  ssoFailed: boolean;
  initialEmail: string;
}

export function LoginClient({ next, ssoFailed, initialEmail }: LoginClientProps) {
  const gateway = useGateway();
  const router = useRouter();
  const providers = useResource('providers', () => gateway.getProviders());
  const [email, setEmail] = useState(initialEmail);
  const [sent, setSent] = useState<(EmailSignInResponse & { email: string }) | null>(null);
  // Resend waits a little after every link; a 429 makes every request wait as long as the gateway says.
  const resendWait = useCountdown();
  const rateLimitWait = useCountdown();

  // Already signed in (the cookie is still valid): skip the form. The status route answers 200 when
  // signed out too: a 401 here would be logged by the browser as a console error on every visit.
  useEffect(() => {
    gateway.getSessionStatus().then(
      (status) => status.signedIn && router.replace(next ?? homeFor(status.session.role)),
      () => undefined,
    );
  }, [gateway, router, next]);

  /** Asks the gateway to mail a link; the caller shows the error, if any. */
  async function sendLink(address: string): Promise<ApiError | null> {
    try {
      const answer = await gateway.requestSignInLink(address);
      rememberNext(address, next);
      setSent({ ...answer, email: address.trim() });
      resendWait.start(RESEND_AFTER_SECONDS);
      return null;
    } catch (caught) {
      const error = toApiError(caught);
      if (error.isRateLimited) rateLimitWait.start(error.retryAfterSeconds ?? RESEND_AFTER_SECONDS);
      return error;
    }
  }

  if (sent) {
    return (
      <AuthShell title="Check your inbox">
        <CheckInbox
          email={sent.email}
          expiresInSeconds={sent.expiresInSeconds}
          devMailbox={providers.data?.email.devMailbox ?? false}
          resendIn={Math.max(resendWait.remaining, rateLimitWait.remaining)}
          onResend={() => sendLink(sent.email)}
          onUseAnotherEmail={() => setSent(null)}
        />
      </AuthShell>
    );
  }

  const oidc = providers.data?.oidc ?? null;
  const emailEnabled = providers.data?.email.enabled ?? true;
  return (
    <AuthShell
      title="Sign in"
      description={
        oidc
          ? `Use your ${oidc.name} account${emailEnabled ? ', or get a one-time link by email' : ''}.`
          : emailEnabled
            ? 'Enter your email and we will send you a link to sign in. No password needed.'
            : undefined
      }
    >
      {ssoFailed && (
        <Alert variant="destructive">
          <TriangleAlert aria-hidden />
          <AlertTitle>Single sign-on failed</AlertTitle>
          <AlertDescription>
            {oidc ? `${oidc.name} did not sign you in.` : 'The identity provider did not sign you in.'} Try again
            {emailEnabled ? ', or use a link sent by email' : ''}.
          </AlertDescription>
        </Alert>
      )}
      {oidc && (
        <>
          <Button asChild variant="outline" className="w-full">
            <a href={gateway.oidcStartUrl(oidc.startUrl, next ?? '/')}>
              <LogIn aria-hidden /> Sign in with {oidc.name}
            </a>
          </Button>
          {emailEnabled && (
            <div className="flex items-center gap-3 text-xs text-muted-foreground">
              <span className="h-px flex-1 bg-border" /> or <span className="h-px flex-1 bg-border" />
            </div>
          )}
        </>
      )}
      {emailEnabled && (
        <EmailForm email={email} onEmailChange={setEmail} onSubmit={sendLink} waitSeconds={rateLimitWait.remaining} />
      )}
      {providers.data && !emailEnabled && !oidc && (
        <Alert variant="warning">
          <AlertTitle>No sign-in method is configured</AlertTitle>
          <AlertDescription>Ask the operator to configure SMTP_URL or OIDC_ISSUER on the gateway.</AlertDescription>
        </Alert>
      )}
    </AuthShell>
  );
}
