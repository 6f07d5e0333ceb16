'use client';

import type { ApiToken } from '@gateway/shared';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';

interface RevokeTokenDialogProps {
  token: ApiToken | null;
  onClose(): void;
  onRevoked(id: string): void;
}

export function RevokeTokenDialog({ token, onClose, onRevoked }: RevokeTokenDialogProps) {
  const gateway = useGateway();
  return (
    <ConfirmDialog
      open={token !== null}
      onClose={onClose}
      destructive
      title={<>Revoke “{token?.name}”?</>}
      description={
        <>
          Calls made with <code className="font-mono text-xs">{token?.start}…</code> are refused from now on. Scripts
          using it stop working. This cannot be undone.
        </>
      }
      actionLabel="Revoke token"
      onConfirm={async () => {
        if (!token) return;
        await gateway.revokeToken(token.id);
        onRevoked(token.id);
      }}
    />
  );
}
