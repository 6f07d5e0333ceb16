'use client';

import { type ApiToken, type CreatedApiToken, MAX_KEY_NAME_LENGTH, type TokenScope } from '@gateway/shared';
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
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { type ApiError, toApiError } from '@/lib/api-error';
import { FormErrors } from '../../../keys/_components/form-errors';
import { SecretReveal } from '../../_components/secret-reveal';

const SCOPES = [
  { value: 'read', label: 'Read', title: 'May read everything, change nothing' },
  { value: 'write', label: 'Write', title: 'May read and change everything an admin can' },
  {
    value: 'verify',
    label: 'Verify',
    title: 'May only verify API keys (POST /keys/verify), for services that handle traffic themselves',
  },
] as const;

const DAY = 86_400_000;
const EXPIRY = [
  { value: 'never', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'date', label: 'On a date…' },
] as const;
type Expiry = (typeof EXPIRY)[number]['value'];

/** The chosen expiry as ISO; a date means the end of that day, local time. */
function expiresAtOf(expiry: Expiry, date: string): string | null | undefined {
  if (expiry === 'never') return null;
  if (expiry === 'date') return date === '' ? undefined : new Date(`${date}T23:59:59`).toISOString();
  return new Date(Date.now() + Number(expiry) * DAY).toISOString();
}

interface CreateTokenDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  onCreated(token: ApiToken): void;
}

/** `POST /tokens`: the raw token is shown once, with a copy button. */
export function CreateTokenDialog({ open, onOpenChange, onCreated }: CreateTokenDialogProps) {
  const gateway = useGateway();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [date, setDate] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [dateMissing, setDateMissing] = useState(false);

  function change(nextOpen: boolean) {
    if (!nextOpen) {
      setName('');
      setScope('read');
      setExpiry('90');
      setDate('');
      setError(null);
      setDateMissing(false);
      setCreated(null); // forget the raw token as soon as the dialog closes
    }
    onOpenChange(nextOpen);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const expiresAt = expiresAtOf(expiry, date);
    setDateMissing(expiresAt === undefined);
    if (expiresAt === undefined) return;
    setPending(true);
    setError(null);
    try {
      const token = await gateway.createToken({ name, scope, expiresAt });
      const { token: _raw, ...listed } = token;
      onCreated(listed);
      setCreated(token);
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
              <DialogTitle>Save your API token</DialogTitle>
              <DialogDescription>
                “{created.name}” ({created.scope}) is ready. Send it as{' '}
                <code className="font-mono text-xs">Authorization: Bearer …</code> to {gateway.baseUrl}.
              </DialogDescription>
            </DialogHeader>
            <SecretReveal id="created-token" label="API token" value={created.token} what="token" />
            <DialogFooter>
              <Button onClick={() => change(false)}>I've saved my token</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Create API token</DialogTitle>
              <DialogDescription>
                For scripts and CI that call the management API. Tokens cannot create other tokens.
              </DialogDescription>
            </DialogHeader>
            <FormField
              id="token-name"
              label="Name"
              placeholder="e.g. Terraform"
              autoComplete="off"
              maxLength={MAX_KEY_NAME_LENGTH + 20}
              value={name}
              onChange={(event) => setName(event.target.value)}
              error={error?.fieldError('name')}
            />
            <div className="grid gap-2">
              <span className="text-sm font-medium leading-none" aria-hidden>
                Scope
              </span>
              <SegmentedControl legend="Scope" options={SCOPES} value={scope} onChange={setScope} />
              <p className="text-xs text-muted-foreground">{SCOPES.find((s) => s.value === scope)?.title}.</p>
              {error?.fieldError('scope') && (
                <p className="text-sm text-destructive">Scope {error.fieldError('scope')}</p>
              )}
            </div>
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="grid gap-2">
                <Label htmlFor="token-expiry">Expires</Label>
                <NativeSelect id="token-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)}>
                  {EXPIRY.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </NativeSelect>
              </div>
              {expiry === 'date' && (
                <FormField
                  id="token-expiry-date"
                  label="Expiry date"
                  type="date"
                  value={date}
                  onChange={(event) => setDate(event.target.value)}
                  error={dateMissing ? 'is required' : error?.fieldError('expiresAt')}
                />
              )}
            </div>
            {expiry !== 'date' && error?.fieldError('expiresAt') && (
              <p className="text-sm text-destructive">Expiry {error.fieldError('expiresAt')}</p>
            )}
            <FormErrors error={error} knownPaths={['name', 'scope', 'expiresAt']} />
            <DialogFooter>
              <Button variant="outline" onClick={() => change(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending}>
                {pending && <Loader2 className="animate-spin" aria-hidden />}
                Create token
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
