'use client';

import { BookOpen, ChevronDown, LogOut, Menu, MonitorX, Waypoints, X } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { type SessionContextValue, useSession } from '@/components/session-provider';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';
import { homeFor, isNavItemActive, type NavItem, navItemsFor } from '@/lib/nav';
import { cn } from '@/lib/utils';

const linkFocus = 'outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50';

function whoIs(session: SessionContextValue): string {
  if (session.user) return session.user.email;
  return session.credential === 'bootstrap' ? 'Bootstrap admin token' : 'API token';
}

/**
 * The signed-in header: navigation from `lib/nav.ts` for the caller's role, and a user menu. Below the
 * breakpoint (wider for an admin's longer navigation) both fold into one menu button.
 */
export function AppHeader() {
  const session = useSession();
  const pathname = usePathname();
  // The gateway's management listener serves the rendered OpenAPI document (public, works offline).
  const apiReference = `${useGateway().baseUrl}/docs`;
  const items = navItemsFor(session.role);
  // Few items fit beside the logo from `sm` on; an admin's ten need `xl` (roles.spec.ts checks 1280 px).
  const compact = items.length <= 3;
  const [menuOpen, setMenuOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  // A followed link closes the mobile menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the path changing is the trigger
  useEffect(() => setMenuOpen(false), [pathname]);

  function leave(how: 'here' | 'everywhere') {
    setLeaving(true);
    void (how === 'here' ? session.signOut() : session.signOutEverywhere());
  }

  // Escape closes the open menu and gives focus back to its button.
  useEffect(() => {
    if (!menuOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [menuOpen]);

  return (
    <header className="sticky top-0 z-40 border-b bg-background/90 backdrop-blur supports-[backdrop-filter]:bg-background/70">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4 sm:px-6">
        <Link
          href={homeFor(session.role)}
          className={cn('flex items-center gap-2 rounded-md font-semibold', linkFocus)}
        >
          <span className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
            <Waypoints className="size-4" aria-hidden />
          </span>
          {/* Beside an admin's inline navigation (ten items) the name's room is needed: the logo stays. */}
          <span className={cn('whitespace-nowrap', !compact && 'xl:sr-only')}>API Gateway</span>
        </Link>
        <nav aria-label="Main" className={cn('hidden items-center gap-1', compact ? 'sm:flex' : 'xl:flex')}>
          {items.map((item) => (
            <NavLink key={item.href} item={item} pathname={pathname} withIcon={compact} />
          ))}
        </nav>

        <div className={cn('ml-auto hidden min-w-0 items-center', compact ? 'sm:flex' : 'xl:flex')}>
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="ghost" size="sm" className="min-w-0 max-w-64" disabled={leaving}>
                <Avatar label={whoIs(session)} />
                <span className="truncate" data-testid="current-user">
                  {whoIs(session)}
                </span>
                <ChevronDown className="text-muted-foreground" aria-hidden />
                <span className="sr-only">Account menu</span>
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end" className="w-64">
              <DropdownMenuLabel className="grid gap-1">
                <span className="truncate font-medium">{whoIs(session)}</span>
                <RoleBadge role={session.role} />
              </DropdownMenuLabel>
              <DropdownMenuSeparator />
              <DropdownMenuItem asChild>
                <a href={apiReference} target="_blank" rel="noreferrer">
                  <BookOpen aria-hidden /> API reference
                </a>
              </DropdownMenuItem>
              <DropdownMenuSeparator />
              <DropdownMenuItem onSelect={() => leave('here')}>
                <LogOut aria-hidden /> Sign out
              </DropdownMenuItem>
              {session.user && (
                <DropdownMenuItem variant="destructive" onSelect={() => leave('everywhere')}>
                  <MonitorX aria-hidden /> Sign out everywhere
                </DropdownMenuItem>
              )}
            </DropdownMenuContent>
          </DropdownMenu>
        </div>

        <Button
          ref={menuButton}
          variant="ghost"
          size="icon"
          className={cn('ml-auto', compact ? 'sm:hidden' : 'xl:hidden')}
          aria-expanded={menuOpen}
          aria-controls="mobile-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          {menuOpen ? <X aria-hidden /> : <Menu aria-hidden />}
          <span className="sr-only">{menuOpen ? 'Close menu' : 'Open menu'}</span>
        </Button>
      </div>

      <div
        id="mobile-menu"
        hidden={!menuOpen}
        className={cn('border-t bg-background', compact ? 'sm:hidden' : 'xl:hidden')}
      >
        <nav aria-label="Main" className="mx-auto grid max-w-6xl gap-1 px-4 py-3">
          {items.map((item) => (
            <NavLink key={item.href} item={item} pathname={pathname} withIcon />
          ))}
        </nav>
        <div className="mx-auto grid max-w-6xl gap-2 border-t px-4 py-3">
          <div className="flex min-w-0 items-center gap-2 px-3 text-sm">
            <Avatar label={whoIs(session)} />
            <span className="truncate">{whoIs(session)}</span>
            <RoleBadge role={session.role} />
          </div>
          <div className="flex flex-wrap gap-2">
            <Button variant="ghost" size="sm" asChild>
              <a href={apiReference} target="_blank" rel="noreferrer">
                <BookOpen aria-hidden /> API reference
              </a>
            </Button>
            <Button variant="outline" size="sm" disabled={leaving} onClick={() => leave('here')}>
              <LogOut aria-hidden /> Sign out
            </Button>
            {session.user && (
              <Button variant="ghost" size="sm" disabled={leaving} onClick={() => leave('everywhere')}>
                <MonitorX aria-hidden /> Sign out everywhere
              </Button>
            )}
          </div>
        </div>
      </div>
    </header>
  );
}

function NavLink({ item, pathname, withIcon }: { item: NavItem; pathname: string; withIcon: boolean }) {
  const active = isNavItemActive(item, pathname);
  const Icon = item.icon;
  return (
    <Link
      href={item.href}
      aria-current={active ? 'page' : undefined}
      className={cn(
        'flex items-center gap-2 whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground',
        linkFocus,
        active && 'bg-accent text-foreground',
      )}
    >
      {withIcon && <Icon className="size-4" aria-hidden />}
      {item.label}
    </Link>
  );
}

function Avatar({ label }: { label: string }) {
  return (
    <span
      className="flex size-6 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold uppercase text-muted-foreground"
      aria-hidden
    >
      {label.charAt(0)}
    </span>
  );
}

function RoleBadge({ role }: { role: 'admin' | 'user' }) {
  return role === 'admin' ? (
    <Badge variant="secondary" className="w-fit">
      Admin
    </Badge>
  ) : null;
}
