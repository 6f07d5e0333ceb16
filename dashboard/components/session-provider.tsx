'use client';

import type { CredentialKind, Role, SessionResponse, User } from '@gateway/shared';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, type ReactNode, use, useCallback, useEffect, useMemo } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, PageSpinner } from '@/components/states';
import { useClearResources, useResource } from '@/lib/use-resource';

export interface SessionContextValue {
  session: SessionResponse;
  role: Role;
  /** How the caller is signed in: a browser session, a management API token or the bootstrap token. */
  credential: CredentialKind;
  /** Null for the bootstrap token and for API tokens, which belong to no user. */
  user: User | null;
  /** Ends this browser's session (`DELETE /auth/session`) and goes to the sign-in page. */
  signOut(): Promise<void>;
  /** Ends every session of this user on every device (`DELETE /auth/sessions`). */
  signOutEverywhere(): Promise<void>;
  /** Asks the gateway again, e.g. after the role may have changed. */
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** The cache key of `GET /auth/session`: the sign-in page seeds it, so signing in asks only once. */
export const SESSION_RESOURCE = 'session';

/**
 * Guards the signed-in part of the app: asks the gateway who we are (`GET /auth/session`, the HttpOnly
 * cookie travels along) and sends anyone without a session to the sign-in page, remembering where they were.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const gateway = useGateway();
  const router = useRouter();
  const pathname = usePathname();
  // A session just checked by the sign-in page is not asked for again (focus still revalidates it).
  const session = useResource(SESSION_RESOURCE, () => gateway.getSession(), { revalidateIfStale: false });
  const clearResources = useClearResources();
  const unauthenticated = session.error?.isUnauthorized ?? false;

  useEffect(() => {
    if (!unauthenticated) return;
    const here = pathname + window.location.search;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [unauthenticated, router, pathname]);

  const leave = useCallback(
    async (end: () => Promise<void>) => {
      try {
        await end();
      } finally {
        // Even if the gateway could not be told, this page forgets the session; the cookie is HttpOnly.
        await clearResources();
        router.replace('/login');
      }
    },
    [router, clearResources],
  );

  const value = useMemo<SessionContextValue | null>(
    () =>
      session.data
        ? {
            session: session.data,
            role: session.data.role,
            credential: session.data.credential,
            user: session.data.user,
            signOut: () => leave(() => gateway.signOut()),
            signOutEverywhere: () => leave(() => gateway.signOutEverywhere()),
            refresh: session.reload,
          }
        : null,
    [session.data, session.reload, leave, gateway],
  );

  if (value) return <SessionContext value={value}>{children}</SessionContext>;
  if (session.error && !unauthenticated) {
    return (
      <main className="mx-auto max-w-xl p-6 pt-24">
        <ApiErrorState error={session.error} what="your session" onRetry={() => void session.reload()} />
      </main>
    );
  }
  return <PageSpinner label={unauthenticated ? 'Redirecting to sign in' : 'Checking your session'} />;
}

/** The signed-in caller; only valid below `SessionProvider` (every page of the `(dashboard)` group). */
export function useSession(): SessionContextValue {
  const value = use(SessionContext);
  if (!value) throw new Error('useSession() must be used below <SessionProvider>');
  return value;
}
