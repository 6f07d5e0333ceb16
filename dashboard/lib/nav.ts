import type { Role } from '@gateway/shared';
import {
  ChartColumn,
  Gauge,
  KeyRound,
  KeySquare,
  type LucideIcon,
  Route,
  ScrollText,
  SlidersHorizontal,
  Ticket,
  Users,
  Webhook,
} from 'lucide-react';

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
  /** Who sees the item. Hiding is a convenience: the gateway refuses what a role may not do. */
  roles: readonly Role[];
  /** Highlighted only on this exact path, not below it (an overview above its own sub-pages). */
  exact?: boolean;
  /** Other paths (and the paths below them) on which the item is highlighted too. */
  also?: readonly string[];
}

/** The header's navigation, as data: one list, filtered by the signed-in role. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/admin', label: 'Overview', icon: Gauge, roles: ['admin'], exact: true },
  // One page for both roles, the gateway scopes its numbers (admins: every key; users: their own). It
  // sits beside the overview for admins and beside their keys for users.
  { href: '/analytics', label: 'Analytics', icon: ChartColumn, roles: ['admin'] },
  { href: '/admin/users', label: 'Users', icon: Users, roles: ['admin'] },
  { href: '/admin/keys', label: 'All keys', icon: KeySquare, roles: ['admin'] },
  // One entry for the two pages of traffic configuration (they link to each other): the header must fit at 1024 px.
  { href: '/admin/routes', label: 'Routes & plans', icon: Route, roles: ['admin'], also: ['/admin/plans'] },
  { href: '/admin/webhooks', label: 'Webhooks', icon: Webhook, roles: ['admin'] },
  { href: '/admin/audit', label: 'Audit log', icon: ScrollText, roles: ['admin'] },
  { href: '/admin/tokens', label: 'API tokens', icon: Ticket, roles: ['admin'] },
  { href: '/admin/settings', label: 'Consumer caps', icon: SlidersHorizontal, roles: ['admin'] },
  { href: '/keys', label: 'API keys', icon: KeyRound, roles: ['user', 'admin'] },
  { href: '/analytics', label: 'Analytics', icon: ChartColumn, roles: ['user'] },
  // Admins manage every endpoint under /admin/webhooks; /webhooks/:id (the delivery log) serves both.
  { href: '/webhooks', label: 'Webhooks', icon: Webhook, roles: ['user'] },
];

export function navItemsFor(role: Role): NavItem[] {
  return NAV_ITEMS.filter((item) => item.roles.includes(role));
}

export function isNavItemActive(item: NavItem, pathname: string): boolean {
  const under = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  return pathname === item.href || (!item.exact && under(item.href)) || (item.also ?? []).some(under);
}

/** Where a role lands after sign-in when no page was asked for. */
export function homeFor(role: Role): string {
  return role === 'admin' ? '/admin' : '/keys';
}

/** Parts of the app only some roles may open, by path prefix (the pages also guard themselves). */
const ROLE_AREAS: readonly { prefix: string; roles: readonly Role[] }[] = [{ prefix: '/admin', roles: ['admin'] }];

/** The roles allowed on `pathname`, or null when every signed-in role is. */
export function rolesFor(pathname: string): readonly Role[] | null {
  const area = ROLE_AREAS.find(({ prefix }) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  return area?.roles ?? null;
}
