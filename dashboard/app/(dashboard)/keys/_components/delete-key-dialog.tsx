'use client';

import type { ApiKey } from '@gateway/shared';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';
import { toApiError } from '@/lib/api-error';

interface DeleteKeyDialogProps {
  apiKey: ApiKey | null;
  onClose(): void;
  onDeleted(id: string): void;
}

export function DeleteKeyDialog({ apiKey, onClose, onDeleted }: DeleteKeyDialogProps) {
  const gateway = useGateway();
  return (
    <ConfirmDialog
      open={apiKey !== null}
      onClose={onClose}
      destructive
      title={<>Delete “{apiKey?.name}”?</>}
      description={
        <>
          Requests with <code className="font-mono text-xs">{apiKey?.start}…</code> will be rejected immediately, and
          the key's usage history is deleted with it. This cannot be undone.
        </>
      }
      actionLabel="Delete key"
      onConfirm={async () => {
        if (!apiKey) return;
        try {
          await gateway.deleteKey(apiKey.id);
        } catch (caught) {
          // Already gone: the list just catches up.
          if (!toApiError(caught).isNotFound) throw caught;
        }
        onDeleted(apiKey.id);
      }}
    />
  );
}
