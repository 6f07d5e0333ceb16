'use client';

import type { User } from '@gateway/shared';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';
import { useSession } from '@/components/session-provider';

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
  const promote = user?.role !== 'admin';
  const self = user !== null && user.id === me?.id;

  return (
    <ConfirmDialog
      open={user !== null}
      onClose={onClose}
      destructive={!promote}
      title={promote ? 'Make this user an admin?' : 'Remove admin rights?'}
      description={
        promote ? (
          <>
            <strong className="font-medium text-foreground">{user?.email}</strong> will be able to manage every user,
            key, token and setting of this gateway.
          </>
        ) : (
          <>
            <strong className="font-medium text-foreground">{user?.email}</strong> will only see their own keys and
            usage.{self && ' That includes you: you will lose access to this console.'}
          </>
        )
      }
      actionLabel={promote ? 'Make admin' : 'Make user'}
      onConfirm={async () => {
        if (!user) return;
        onChanged(await gateway.updateUserRole(user.id, promote ? 'admin' : 'user'));
      }}
      errorTitle={(error) =>
        error.status === 409 ? "Can't remove the last admin" : (error.problem?.title ?? 'Role change failed')
      }
      errorTestId="role-change-error"
    />
  );
}
