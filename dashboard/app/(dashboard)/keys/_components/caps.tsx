import type { Settings, SettingsResponse } from '@gateway/shared';
import { Info, TriangleAlert } from 'lucide-react';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { formatNumber } from '@/lib/format';

/**
 * The consumer caps an admin set (`GET /settings`), as they apply to the signed-in person: null for
 * admins, whom the caps do not bind, and while they load.
 */
export type ConsumerCaps = Settings | null;

export function limitHints(caps: ConsumerCaps): { limitPerMinute?: string; limitPerDay?: string } {
  if (!caps) return {};
  return {
    limitPerMinute: `At most ${formatNumber(caps.maxLimitPerMinute)} for your account`,
    limitPerDay: `At most ${formatNumber(caps.maxLimitPerDay)} for your account`,
  };
}

/** What empty limit fields become: the gateway's defaults, lowered to the caps for a consumer's own key. */
export function effectiveDefaults(settings: SettingsResponse, caps: ConsumerCaps): SettingsResponse['keyDefaults'] {
  const { limitPerMinute, limitPerDay } = settings.keyDefaults;
  if (!caps) return settings.keyDefaults;
  return {
    limitPerMinute: Math.min(limitPerMinute, caps.maxLimitPerMinute),
    limitPerDay: Math.min(limitPerDay, caps.maxLimitPerDay),
  };
}

/** Above the create form: how many keys the account may hold, and a warning once they are all used. */
export function KeyCountNotice({ caps, keyCount }: { caps: ConsumerCaps; keyCount: number | null }) {
  if (!caps) return null;
  const max = caps.maxKeysPerUser;
  if (keyCount !== null && keyCount >= max) {
    return (
      <Alert variant="warning" data-testid="key-cap-reached">
        <TriangleAlert aria-hidden />
        <AlertTitle>All your keys are in use</AlertTitle>
        <AlertDescription>
          Your account may hold {formatNumber(max)} key{max === 1 ? '' : 's'}. Delete one you no longer need, or ask an
          administrator for more.
        </AlertDescription>
      </Alert>
    );
  }
  return (
    <Alert role="note" data-testid="key-cap">
      <Info aria-hidden />
      <AlertDescription>
        {keyCount === null
          ? `Your account may hold up to ${formatNumber(max)} keys.`
          : `You have ${formatNumber(keyCount)} of ${formatNumber(max)} keys.`}
      </AlertDescription>
    </Alert>
  );
}
