'use client';

import type { ApiKey } from '@gateway/shared';
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

interface DeleteKeyDialogProps {
  apiKey: ApiKey | null;
  onClose(): void;
  onDeleted(id: string): void;
}

export function DeleteKeyDialog({ apiKey, onClose, onDeleted }: DeleteKeyDialogProps) {
  const gateway = useGateway();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (apiKey) setError(null);
  }, [apiKey]);

  async function confirm(event: MouseEvent<HTMLButtonElement>) {
    event.preventDefault(); // keep the dialog open until the gateway has answered
    if (!apiKey) return;
    setPending(true);
    setError(null);
    try {
      await gateway.deleteKey(apiKey.id);
      onDeleted(apiKey.id);
      onClose();
    } catch (caught) {
      const apiError = toApiError(caught);
      if (apiError.isNotFound) {
        onDeleted(apiKey.id); // already gone: the list just catches up
        onClose();
      } else {
        setError(apiError.message);
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog open={apiKey !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete “{apiKey?.name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            Requests with <code className="font-mono text-xs">{apiKey?.start}…</code> will be rejected immediately, and
            the key's usage history is deleted with it. This cannot be undone.
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
            Delete key
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
