import type { WebhookDelivery } from '@gateway/shared';
import { Badge } from '@/components/ui/badge';

/** Succeeded, failed for good, retrying after a failed attempt, or waiting for its first attempt. */
export function DeliveryStatusBadge({ delivery }: { delivery: WebhookDelivery }) {
  const { status, attempts } = delivery;
  const [label, variant] =
    status === 'succeeded'
      ? (['Succeeded', 'success'] as const)
      : status === 'failed'
        ? (['Failed', 'destructive'] as const)
        : attempts > 0
          ? (['Retrying', 'warning'] as const)
          : (['Pending', 'secondary'] as const);
  return (
    <Badge variant={variant} data-testid="delivery-status">
      <span className="size-1.5 rounded-full bg-current" aria-hidden />
      {label}
    </Badge>
  );
}
