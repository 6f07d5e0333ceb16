import type { ApiKey } from '@gateway/shared';
import { Badge } from '@/components/ui/badge';
import { formatDateTime, formatRelative } from '@/lib/format';

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

/** When the key stops working: "Never", or the date (with how far away it is in the tooltip). */
export function KeyExpiry({ apiKey }: { apiKey: ApiKey }) {
  if (!apiKey.expiresAt) return <span data-testid="key-expiry">Never</span>;
  const expired = keyStatus(apiKey) === 'expired';
  return (
    <time
      dateTime={apiKey.expiresAt}
      title={`${expired ? 'Expired' : 'Expires'} ${formatRelative(apiKey.expiresAt)}`}
      className={expired ? 'text-[oklch(0.5_0.13_60)]' : undefined}
      data-testid="key-expiry"
    >
      {formatDateTime(apiKey.expiresAt)}
    </time>
  );
}

/** The expiry as one full-width entry of a key card's `<dl>` (phone layout). */
export function KeyExpiryItem({ apiKey }: { apiKey: ApiKey }) {
  return (
    <div className="col-span-2">
      <dt className="text-xs text-muted-foreground">Expires</dt>
      <dd>
        <KeyExpiry apiKey={apiKey} />
      </dd>
    </div>
  );
}
