import { PLATFORM_EVENT_TYPES, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@gateway/shared';

/** What each event type means, in the words the event checkboxes and the delivery log use. */
export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'key.created': 'A key is created',
  'key.updated': 'A key is changed, enabled or disabled',
  'key.deleted': 'A key is deleted',
  'key.rolled': 'A key’s secret is rolled',
  'key.expiring': 'A key expires soon',
  'quota.threshold': 'A key or account nears its quota',
  'ratelimit.degraded': 'Rate limiting falls back (Redis unreachable)',
  'ratelimit.recovered': 'Rate limiting is back to normal',
  'webhook.test': 'The “Send test event” button',
};

/**
 * The types an endpoint can subscribe to: `webhook.test` always reaches the one endpoint it is sent
 * to, and only platform endpoints (no owner) may receive the platform's own `ratelimit.*` events.
 */
export function subscribableEvents(platform: boolean): WebhookEventType[] {
  return WEBHOOK_EVENT_TYPES.filter(
    (type) => type !== 'webhook.test' && (platform || !PLATFORM_EVENT_TYPES.includes(type)),
  );
}
