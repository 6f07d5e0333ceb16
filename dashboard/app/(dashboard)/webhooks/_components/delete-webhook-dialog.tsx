'use client';

import type { Webhook } from '@gateway/shared';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';
import { toApiError } from '@/lib/api-error';

interface DeleteWebhookDialogProps {
  webhook: Webhook | null;
  onClose(): void;
  onDeleted(id: string): void;
}

export function DeleteWebhookDialog({ webhook, onClose, onDeleted }: DeleteWebhookDialogProps) {
  const gateway = useGateway();
  return (
    <ConfirmDialog
      open={webhook !== null}
      onClose={onClose}
      destructive
      title="Delete this endpoint?"
      description={
        <>
          <span className="font-medium break-all text-foreground">{webhook?.url}</span> will get no more events, its
          pending deliveries are dropped and its delivery log is deleted with it. This cannot be undone.
        </>
      }
      actionLabel="Delete endpoint"
      onConfirm={async () => {
        if (!webhook) return;
        try {
          await gateway.deleteWebhook(webhook.id);
        } catch (caught) {
          // Already gone: the list just catches up.
          if (!toApiError(caught).isNotFound) throw caught;
        }
        onDeleted(webhook.id);
      }}
    />
  );
}
