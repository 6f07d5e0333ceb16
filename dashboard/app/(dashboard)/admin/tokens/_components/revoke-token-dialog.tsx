'use client';

import type { ApiToken } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type MouseEvent, useEffect, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { Alert, AlertDescription } from '@/components/ui/alert';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from '@/components/ui/alert-dialog';
import { buttonVariants } from '@/components/ui/button';
import { toApiError } from '@/lib/api-error';

interface RevokeTokenDialogProps {
  token: ApiToken | null;
  onClose(): void;
  onRevoked(id: string): void;
}

export function RevokeTokenDialog({ token, onClose, onRevoked }: RevokeTokenDialogProps) {
  const gateway = useGateway();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (token) setError(null);
  }, [token]);

  async function confirm(event: MouseEvent<HTMLButtonElement>) {
    event.preventDefault(); // stay open until the gateway has answered
    if (!token) return;
    setPending(true);
    setError(null);
    try {
      await gateway.revokeToken(token.id);
      onRevoked(token.id);
      onClose();
    } catch (caught) {
      setError(toApiError(caught).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog open={token !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Revoke “{token?.name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            Calls made with <code className="font-mono text-xs">{token?.start}…</code> are refused from now on. Scripts
            using it stop working. This cannot be undone.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {error && (
          <Alert variant="destructive">
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending}>Cancel</AlertDialogCancel>
          <AlertDialogAction
            className={buttonVariants({ variant: 'destructive' })}
            onClick={confirm}
            disabled={pending}
          >
            {pending && <Loader2 className="animate-spin" aria-hidden />}
            Revoke token
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
