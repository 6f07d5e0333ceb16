'use client';

import type { SessionResponse } from '@gateway/shared';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, type ReactNode, use, useCallback, useEffect } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, PageSpinner } from '@/components/states';
import { useResource } from '@/lib/use-resource';

interface SessionContextValue {
  session: SessionResponse;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/**
 * Guards the signed-in part of the app: asks the gateway who we are (`GET /session`, the HttpOnly
 * cookie travels along) and sends anyone without a session to the login page.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const gateway = useGateway();
  const router = useRouter();
  const pathname = usePathname();
  const session = useResource('session', () => gateway.getSession());
  const unauthenticated = session.error?.isUnauthorized ?? false;

  useEffect(() => {
    if (unauthenticated) router.replace(`/login?next=${encodeURIComponent(pathname)}`);
  }, [unauthenticated, router, pathname]);

  const logout = useCallback(async () => {
    try {
      await gateway.logout();
    } finally {
      router.replace('/login');
    }
  }, [gateway, router]);

  if (session.data) {
    return <SessionContext value={{ session: session.data, logout }}>{children}</SessionContext>;
  }
  if (session.error && !unauthenticated) {
    return (
      <main className="mx-auto max-w-xl p-6 pt-24">
        <ApiErrorState
          error={session.error}
          gatewayUrl={gateway.baseUrl}
          what="your session"
          onRetry={() => void session.reload()}
        />
      </main>
    );
  }
  return <PageSpinner label={unauthenticated ? 'Redirecting to sign in' : 'Checking your session'} />;
}

export function useSession(): SessionContextValue {
  const value = use(SessionContext);
  if (!value) throw new Error('useSession() must be used below <SessionProvider>');
  return value;
}
