'use client';

import type { User } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type MouseEvent, useEffect, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';
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

interface RoleChangeDialogProps {
  /** The user whose role flips (admin ↔ user); null closes the dialog. */
  user: User | null;
  onClose(): void;
  onChanged(user: User): void;
}

/** Promote or demote after a confirmation; the gateway refuses to demote the last admin (409). */
export function RoleChangeDialog({ user, onClose, onChanged }: RoleChangeDialogProps) {
  const gateway = useGateway();
  const { user: me } = useSession();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (user) setError(null);
  }, [user]);

  const promote = user?.role !== 'admin';
  const self = user !== null && user.id === me?.id;

  async function confirm(event: MouseEvent<HTMLButtonElement>) {
    event.preventDefault(); // stay open until the gateway has answered
    if (!user) return;
    setPending(true);
    setError(null);
    try {
      onChanged(await gateway.updateUserRole(user.id, promote ? 'admin' : 'user'));
      onClose();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog open={user !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{promote ? 'Make this user an admin?' : 'Remove admin rights?'}</AlertDialogTitle>
          <AlertDialogDescription>
            {promote ? (
              <>
                <strong className="font-medium text-foreground">{user?.email}</strong> will be able to manage every
                user, key, token and setting of this gateway.
              </>
            ) : (
              <>
                <strong className="font-medium text-foreground">{user?.email}</strong> will only see their own keys and
                usage.{self && ' That includes you: you will lose access to this console.'}
              </>
            )}
          </AlertDialogDescription>
        </AlertDialogHeader>
        {error && (
          <Alert variant="destructive" data-testid="role-change-error">
            <AlertTitle>
              {error.status === 409 ? "Can't remove the last admin" : (error.problem?.title ?? 'Role change failed')}
            </AlertTitle>
            <AlertDescription>
              <p>{error.message}</p>
            </AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending}>Cancel</AlertDialogCancel>
          <AlertDialogAction
            className={promote ? undefined : buttonVariants({ variant: 'destructive' })}
            onClick={confirm}
            disabled={pending}
          >
            {pending && <Loader2 className="animate-spin" aria-hidden />}
            {promote ? 'Make admin' : 'Make user'}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
