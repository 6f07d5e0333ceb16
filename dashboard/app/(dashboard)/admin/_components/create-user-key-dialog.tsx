'use client';

import { type ApiKey, type CreatedApiKey, MAX_EMAIL_LENGTH, type User } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { FormField } from '@/components/form-field';
import { useGateway } from '@/components/gateway-provider';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import { type ApiError, toApiError } from '@/lib/api-error';
import { useResource } from '@/lib/use-resource';
import { FormErrors } from '../../keys/_components/form-errors';
import {
  createKeyRequestOf,
  EMPTY_KEY_FORM,
  KEY_FORM_PATHS,
  KeyFormFields,
} from '../../keys/_components/key-form-fields';
import { SecretReveal } from './secret-reveal';

const KNOWN_PATHS = [...KEY_FORM_PATHS, 'email', 'userId'];

interface CreateUserKeyDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  /** The owner, when known (a user's page); otherwise the dialog asks for their email. */
  user?: User | undefined;
  onCreated(key: ApiKey, owner: User): void;
}

/** Creates a key on someone's behalf (`POST /keys {userId, …}`); admins are not bound by the consumer caps. */
export function CreateUserKeyDialog({ open, onOpenChange, user, onCreated }: CreateUserKeyDialogProps) {
  const gateway = useGateway();
  const [email, setEmail] = useState('');
  const [values, setValues] = useState(EMPTY_KEY_FORM);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [ownerMissing, setOwnerMissing] = useState(false);
  const [created, setCreated] = useState<{ key: CreatedApiKey; owner: User } | null>(null);
  const settings = useResource(open ? 'settings' : null, () => gateway.getSettings());

  function change(nextOpen: boolean) {
    if (!nextOpen) {
      setEmail('');
      setValues(EMPTY_KEY_FORM);
      setError(null);
      setOwnerMissing(false);
      setCreated(null); // the raw key is forgotten as soon as the dialog closes
    }
    onOpenChange(nextOpen);
  }

  /** The owner by email; null when nobody has that email (the gateway answers 404). */
  async function ownerOf(): Promise<User | null> {
    if (user) return user;
    try {
      return await gateway.getUserByEmail(email);
    } catch (caught) {
      if (toApiError(caught).isNotFound) return null;
      throw caught;
    }
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setOwnerMissing(false);
    try {
      const owner = await ownerOf();
      if (!owner) {
        setOwnerMissing(true);
        return;
      }
      const key = await gateway.createKey({
        userId: owner.id,
        ...createKeyRequestOf(values),
      });
      const { key: _raw, ...listed } = key;
      onCreated(listed, owner);
      setCreated({ key, owner });
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogContent onInteractOutside={(event) => created && event.preventDefault()}>
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Hand over the API key</DialogTitle>
              <DialogDescription>
                “{created.key.name}” belongs to {created.owner.email}. Give it to them over a safe channel.
              </DialogDescription>
            </DialogHeader>
            <SecretReveal id="created-user-key" label="API key" value={created.key.key} what="key" />
            <DialogFooter>
              <Button onClick={() => change(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Create a key for {user ? user.email : 'a user'}</DialogTitle>
              <DialogDescription>
                The key belongs to its user: they see it and its usage. Empty limits use the defaults.
              </DialogDescription>
            </DialogHeader>
            {!user && (
              <FormField
                id="create-key-owner"
                label="Owner's email"
                type="email"
                autoComplete="off"
                placeholder="name@example.com"
                maxLength={MAX_EMAIL_LENGTH + 20}
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                error={
                  ownerMissing
                    ? 'belongs to no user yet: add them on the Users page first'
                    : (error?.fieldError('email') ?? error?.fieldError('userId'))
                }
              />
            )}
            <KeyFormFields
              idPrefix="create-for-user"
              values={values}
              onChange={setValues}
              error={error}
              defaults={settings.data?.keyDefaults}
            />
            <FormErrors error={error} knownPaths={KNOWN_PATHS} />
            <DialogFooter>
              <Button variant="outline" onClick={() => change(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending}>
                {pending && <Loader2 className="animate-spin" aria-hidden />}
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
