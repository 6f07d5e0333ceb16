'use client';

import type { SignInResponse } from '@gateway/shared';
import { Loader2, MailX, ServerOff } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { SESSION_RESOURCE } from '@/components/session-provider';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { type ApiError, errorTitle, toApiError } from '@/lib/api-error';
import { homeFor } from '@/lib/nav';
import { useClearResources, useSeedResource } from '@/lib/use-resource';
import { AuthShell } from '../../_components/auth-shell';
import { takeNext } from '../../_components/pending-sign-in';
import { safeNext } from '../../_components/safe-next';

type State =
  | { step: 'verifying' }
  | { step: 'incomplete' }
  | { step: 'failed'; email: string; error: ApiError }
  | { step: 'cookie-blocked'; signedIn: SignInResponse };

/** Reads the link's fragment once and removes it from the address bar and the history entry. */
function takeFragment(): { email: string; token: string; next: string | null } | null {
  const params = new URLSearchParams(window.location.hash.slice(1));
  history.replaceState(history.state, '', window.location.pathname);
  const email = params.get('email');
  const token = params.get('token');
  return email && token ? { email, token, next: safeNext(params.get('next')) } : null;
}

export function VerifyClient() {
  const gateway = useGateway();
  const router = useRouter();
  const clearResources = useClearResources();
  const seedResource = useSeedResource();
  const [state, setState] = useState<State>({ step: 'verifying' });
  // A link works once: never POST it twice, not even when React runs the effect again.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const link = takeFragment();
    if (!link) {
      setState({ step: 'incomplete' });
      return;
    }
    void (async () => {
      let signedIn: SignInResponse;
      try {
        signedIn = await gateway.verifySignInLink({ email: link.email, token: link.token });
      } catch (caught) {
        setState({ step: 'failed', email: link.email, error: toApiError(caught) });
        return;
      }
      // The session lives in the gateway's HttpOnly cookie: make sure the browser kept it.
      const session = await gateway.getSession().catch((caught: unknown) => toApiError(caught));
      if (session instanceof Error && session.isUnauthorized) {
        setState({ step: 'cookie-blocked', signedIn });
        return;
      }
      // A new person may be signing in on this tab: nothing cached for the previous one survives.
      await clearResources();
      if (!(session instanceof Error)) await seedResource(SESSION_RESOURCE, session);
      const role = session instanceof Error ? signedIn.user.role : session.role;
      router.replace(link.next ?? takeNext(link.email) ?? homeFor(role));
    })();
  }, [gateway, router, clearResources, seedResource]);

  if (state.step === 'verifying') {
    return (
      <AuthShell title="Signing you in">
        <div role="status" className="flex items-center justify-center gap-2 py-4 text-sm text-muted-foreground">
          <Loader2 className="size-4 animate-spin" aria-hidden /> Checking your sign-in link…
        </div>
      </AuthShell>
    );
  }

  if (state.step === 'cookie-blocked') {
    return (
      <AuthShell title="Almost signed in">
        <Alert variant="warning">
          <AlertTitle>Your browser did not keep the session cookie</AlertTitle>
          <AlertDescription>
            The link was valid, but the dashboard and the gateway ({gateway.baseUrl}) must be served from the same site,
            e.g. two subdomains of one domain, for the browser to send the gateway's cookie. See the README.
          </AlertDescription>
        </Alert>
        <BackToSignIn email={state.signedIn.user.email} />
      </AuthShell>
    );
  }

  const email = state.step === 'failed' ? state.email : '';
  const error = state.step === 'failed' ? state.error : null;
  const { title, message } = explain(error);
  return (
    <AuthShell title={title}>
      <Alert variant="destructive">
        {error?.isNetwork ? <ServerOff aria-hidden /> : <MailX aria-hidden />}
        <AlertTitle>{error?.isNetwork ? errorTitle(error, '') : 'This link cannot sign you in'}</AlertTitle>
        <AlertDescription>
          <p>{message}</p>
        </AlertDescription>
      </Alert>
      <BackToSignIn email={email} />
    </AuthShell>
  );
}

function explain(error: ApiError | null): { title: string; message: string } {
  if (!error) {
    return {
      title: 'Incomplete sign-in link',
      message: 'The link is missing its email or token. Copy the whole link from the email, or ask for a new one.',
    };
  }
  if (error.code === 'INVALID_SIGN_IN_LINK' || error.code === 'VALIDATION_FAILED') {
    return {
      title: 'Link expired or already used',
      message: 'Sign-in links work once and only for a short time. Ask for a new link and open the newest email.',
    };
  }
  return { title: 'Sign-in failed', message: error.message };
}

function BackToSignIn({ email }: { email: string }) {
  const href = email ? `/login?email=${encodeURIComponent(email)}` : '/login';
  return (
    <Button asChild className="w-full">
      <Link href={href}>Back to sign in</Link>
    </Button>
  );
}
