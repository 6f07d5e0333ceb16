import type { ApiKey } from '@gateway/shared';
import { Badge } from '@/components/ui/badge';

export type KeyStatus = 'active' | 'disabled' | 'expired';

export function keyStatus(key: ApiKey, now: number = Date.now()): KeyStatus {
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return key.active ? 'active' : 'disabled';
}

const LABELS = {
  active: { label: 'Active', variant: 'success' },
  disabled: { label: 'Disabled', variant: 'secondary' },
  expired: { label: 'Expired', variant: 'warning' },
} as const;

export function KeyStatusBadge({ apiKey }: { apiKey: ApiKey }) {
  const status = keyStatus(apiKey);
  const { variant } = LABELS[status];
  const label = status === 'disabled' && apiKey.disabledByAdmin ? 'Disabled by an admin' : LABELS[status].label;
  return (
    <Badge variant={variant} data-testid="key-status">
      <span className="size-1.5 rounded-full bg-current" aria-hidden />
      {label}
    </Badge>
  );
}
