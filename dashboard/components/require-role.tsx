'use client';

import type { Role } from '@gateway/shared';
import { ShieldX } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { useSession } from '@/components/session-provider';
import { ErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { homeFor, rolesFor } from '@/lib/nav';

const ROLE_NAMES: Record<Role, string> = { admin: 'administrators', user: 'API consumers' };

/** True when the signed-in caller has one of `roles`. */
export function useHasRole(...roles: Role[]): boolean {
  return roles.includes(useSession().role);
}

/**
 * Shows `children` only to the given role(s); anyone else sees a 403-style state with a way home.
 * Hiding pages is for people: the gateway itself refuses what a role may not do.
 *
 *   <RequireRole role="admin">…admin page…</RequireRole>
 */
export function RequireRole({ role, children }: { role: Role | readonly Role[]; children: ReactNode }) {
  const { role: mine, user } = useSession();
  const allowed: readonly Role[] = typeof role === 'string' ? [role] : role;
  if (allowed.includes(mine)) return children;
  return <Forbidden needed={allowed} signedInAs={user?.email ?? null} home={homeFor(mine)} />;
}

/** Applies `rolesFor(pathname)` from lib/nav.ts to whatever page is shown (used by the signed-in layout). */
export function AreaGuard({ children }: { children: ReactNode }) {
  const roles = rolesFor(usePathname());
  return roles ? <RequireRole role={roles}>{children}</RequireRole> : children;
}

export function Forbidden({
  needed,
  signedInAs,
  home,
}: {
  needed: readonly Role[];
  signedInAs: string | null;
  home: string;
}) {
  const who = needed.map((r) => ROLE_NAMES[r]).join(' and ');
  return (
    <ErrorState
      className="mt-8"
      icon={<ShieldX className="size-5" aria-hidden />}
      title="You don't have access to this page"
      description={
        <div className="grid gap-3" data-testid="forbidden">
          <p>
            This page is for {who}.{signedInAs ? ` You are signed in as ${signedInAs}.` : ''} Ask an administrator if
            you need access.
          </p>
          <div>
            <Button asChild variant="outline" size="sm">
              <Link href={home}>Go to your dashboard</Link>
            </Button>
          </div>
        </div>
      }
    />
  );
}
