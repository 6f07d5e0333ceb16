'use client';

import { MAX_EMAIL_LENGTH, type Role, type User } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import Link from 'next/link';
import { type FormEvent, useState } from 'react';
import { FormField } from '@/components/form-field';
import { useGateway } from '@/components/gateway-provider';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { type ApiError, toApiError } from '@/lib/api-error';
import { FormErrors } from '../../../keys/_components/form-errors';

const ROLE_OPTIONS = [
  { value: 'user', label: 'User' },
  { value: 'admin', label: 'Admin' },
] as const;

interface AddUserDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  onAdded(user: User): void;
}

/**
 * `POST /users {email, role}`: creates the account without signing in as them; they sign in by mail later.
 * An existing account is looked up first and pointed to: `POST /users` would silently return it unchanged.
 */
export function AddUserDialog({ open, onOpenChange, onAdded }: AddUserDialogProps) {
  const gateway = useGateway();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [existing, setExisting] = useState<User | null>(null);

  function change(nextOpen: boolean) {
    if (!nextOpen) {
      setEmail('');
      setRole('user');
      setError(null);
      setExisting(null);
    }
    onOpenChange(nextOpen);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setExisting(null);
    try {
      const found = await gateway.getUserByEmail(email).catch((caught: unknown) => {
        if (toApiError(caught).isNotFound) return null;
        throw caught;
      });
      if (found) {
        setExisting(found);
        return;
      }
      const { user } = await gateway.createUser({ email, role });
      onAdded(user);
      change(false);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogContent>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Add user</DialogTitle>
            <DialogDescription>
              They sign in with this email address; you can create keys for them right away.
            </DialogDescription>
          </DialogHeader>
          <FormField
            id="add-user-email"
            label="Email"
            type="email"
            autoComplete="off"
            placeholder="name@example.com"
            maxLength={MAX_EMAIL_LENGTH + 20}
            value={email}
            onChange={(event) => {
              setEmail(event.target.value);
              setExisting(null);
            }}
            error={error?.fieldError('email')}
            required
          />
          <div className="grid gap-2">
            <span className="text-sm font-medium leading-none" aria-hidden>
              Role
            </span>
            <SegmentedControl legend="Role" options={ROLE_OPTIONS} value={role} onChange={setRole} />
            {error?.fieldError('role') && <p className="text-sm text-destructive">Role {error.fieldError('role')}</p>}
          </div>
          {existing && (
            <Alert data-testid="user-exists">
              <AlertDescription>
                <p>
                  {existing.email} already has an account ({existing.role}).{' '}
                  <Link
                    href={`/admin/users/${existing.id}`}
                    className="font-medium text-foreground underline underline-offset-4"
                  >
                    Open their page
                  </Link>
                </p>
              </AlertDescription>
            </Alert>
          )}
          <FormErrors error={error} knownPaths={['email', 'role']} />
          <DialogFooter>
            <Button variant="outline" onClick={() => change(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending && <Loader2 className="animate-spin" aria-hidden />}
              Add user
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
