import type { ApiToken } from '@gateway/shared';
import { Badge } from '@/components/ui/badge';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export function tokenStatus(token: ApiToken, now: number = Date.now()): TokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

const LABELS = {
  active: { label: 'Active', variant: 'success' },
  expired: { label: 'Expired', variant: 'warning' },
  revoked: { label: 'Revoked', variant: 'destructive' },
} as const;

export function TokenStatusBadge({ token }: { token: ApiToken }) {
  const { label, variant } = LABELS[tokenStatus(token)];
  return (
    <Badge variant={variant} data-testid="token-status">
      <span className="size-1.5 rounded-full bg-current" aria-hidden />
      {label}
    </Badge>
  );
}

const SCOPE_TITLE: Record<ApiToken['scope'], string> = {
  read: 'May only read',
  write: 'May read and change',
  verify: 'May only verify API keys',
};

export function ScopeBadge({ scope }: { scope: ApiToken['scope'] }) {
  return (
    <Badge variant="outline" className="font-mono" title={SCOPE_TITLE[scope]}>
      {scope}
    </Badge>
  );
}
