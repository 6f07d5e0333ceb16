'use client';

import { Loader2 } from 'lucide-react';
import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
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
import { type ApiError, toApiError } from '@/lib/api-error';

interface ConfirmDialogProps {
  open: boolean;
  onClose(): void;
  title: ReactNode;
  description: ReactNode;
  actionLabel: ReactNode;
  /** Red action button (deleting, revoking, demoting). */
  destructive?: boolean;
  /** Does the work; the dialog stays open (and shows the error) until it resolves, then closes. */
  onConfirm(): Promise<void>;
  /** The error's heading; without it the error shows as a single line. */
  errorTitle?(error: ApiError): string;
  errorTestId?: string;
}

/** A confirmation that stays open while the gateway answers and shows its refusal in place. */
export function ConfirmDialog({
  open,
  onClose,
  title,
  description,
  actionLabel,
  destructive = false,
  onConfirm,
  errorTitle,
  errorTestId,
}: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (open) setError(null);
  }, [open]);

  async function confirm(event: MouseEvent<HTMLButtonElement>) {
    event.preventDefault(); // stay open until the gateway has answered
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog open={open} onOpenChange={(next) => !next && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {error && (
          <Alert variant="destructive" data-testid={errorTestId}>
            {errorTitle && <AlertTitle>{errorTitle(error)}</AlertTitle>}
            <AlertDescription>{errorTitle ? <p>{error.message}</p> : error.message}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending}>Cancel</AlertDialogCancel>
          <AlertDialogAction
            className={destructive ? buttonVariants({ variant: 'destructive' }) : undefined}
            onClick={confirm}
            disabled={pending}
          >
            {pending && <Loader2 className="animate-spin" aria-hidden />}
            {actionLabel}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
