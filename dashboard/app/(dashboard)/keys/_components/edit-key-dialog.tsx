'use client';

import type { ApiKey, UpdateKeyRequest } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { useHasRole } from '@/components/require-role';
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
import { parseLimit } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { type ConsumerCaps, limitHints } from './caps';
import { FormErrors } from './form-errors';
import {
  accessValuesOf,
  allowedIpsOf,
  isAccessPath,
  KeyAccessFields,
  type KeyAccessValues,
  scopesOf,
} from './key-access-fields';
import {
  EMPTY_KEY_FORM,
  expiresAtOf,
  expiryInputOf,
  KEY_FORM_PATHS,
  KeyFormFields,
  type KeyFormValues,
} from './key-form-fields';

function valuesOf(key: ApiKey): KeyFormValues {
  return {
    name: key.name,
    // A key on a plan may have no numbers of its own (null): an empty field, the plan's window applies.
    limitPerMinute: key.limitPerMinute === null ? '' : String(key.limitPerMinute),
    limitPerDay: key.limitPerDay === null ? '' : String(key.limitPerDay),
    expiresAt: expiryInputOf(key.expiresAt),
  };
}

/** Only what changed is sent, so the PATCH never overwrites a concurrent change to another field. */
function changes(key: ApiKey, values: KeyFormValues, access: KeyAccessValues): UpdateKeyRequest {
  const body: UpdateKeyRequest = {};
  if (values.name !== key.name) body.name = values.name;
  const planId = access.planId === '' ? null : access.planId;
  if (planId !== key.planId) body.planId = planId;
  // On a plan an emptied limit clears the override (null); without one, empty is caught as required.
  const perMinute = parseLimit(values.limitPerMinute) ?? (planId ? null : undefined);
  const perDay = parseLimit(values.limitPerDay) ?? (planId ? null : undefined);
  if ((perMinute ?? null) !== key.limitPerMinute) body.limitPerMinute = perMinute;
  if ((perDay ?? null) !== key.limitPerDay) body.limitPerDay = perDay;
  const before = accessValuesOf(key);
  if (access.scopes !== before.scopes) body.scopes = scopesOf(access.scopes);
  if (access.allowedIps !== before.allowedIps) body.allowedIps = allowedIpsOf(access.allowedIps);
  // Compared as shown (minutes, local time), so an untouched field never resends the stored instant.
  if (values.expiresAt !== expiryInputOf(key.expiresAt)) body.expiresAt = expiresAtOf(values.expiresAt);
  return body;
}

interface EditKeyDialogProps {
  apiKey: ApiKey | null;
  onClose(): void;
  onSaved(key: ApiKey): void;
  caps: ConsumerCaps;
}

export function EditKeyDialog({ apiKey, onClose, onSaved, caps }: EditKeyDialogProps) {
  const gateway = useGateway();
  const [values, setValues] = useState<KeyFormValues>(EMPTY_KEY_FORM);
  const [access, setAccess] = useState<KeyAccessValues>({ planId: '', scopes: '', allowedIps: '' });
  // Admins choose the key's plan (plans are readable by admins only).
  const isAdmin = useHasRole('admin');
  const plans = useResource(isAdmin && apiKey ? 'plans' : null, () => gateway.listPlans());
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // Limits cannot be unset: an emptied field is caught here, everything else is left to the API.
  const [showRequired, setShowRequired] = useState(false);

  useEffect(() => {
    if (apiKey) {
      setValues(valuesOf(apiKey));
      setAccess(accessValuesOf(apiKey));
    }
    setError(null);
  }, [apiKey]);

  // …unless the key had none of its own or is on a plan: then empty means "the plan's window".
  const onPlan = access.planId !== '';
  const required = {
    limitPerMinute:
      values.limitPerMinute.trim() === '' && apiKey?.limitPerMinute !== null && !onPlan ? 'is required' : undefined,
    limitPerDay:
      values.limitPerDay.trim() === '' && apiKey?.limitPerDay !== null && !onPlan ? 'is required' : undefined,
  };

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!apiKey) return;
    if (required.limitPerMinute || required.limitPerDay) {
      setShowRequired(true);
      return;
    }
    const body = changes(apiKey, values, access);
    if (Object.keys(body).length === 0) return onClose();
    setPending(true);
    setError(null);
    try {
      const saved = await gateway.updateKey(apiKey.id, body);
      // Plans list how many keys use them: the cached list is out of date now.
      if (body.planId !== undefined) void plans.reload();
      onSaved(saved);
      onClose();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog
      open={apiKey !== null}
      onOpenChange={(open) => {
        if (!open) {
          setShowRequired(false);
          onClose();
        }
      }}
    >
      <DialogContent className="sm:max-w-xl">
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Edit key</DialogTitle>
            <DialogDescription>
              Changes to <code className="font-mono text-xs">{apiKey?.start}…</code> apply from its next request.
            </DialogDescription>
          </DialogHeader>
          <KeyFormFields
            idPrefix="edit"
            values={values}
            onChange={setValues}
            error={error}
            localErrors={showRequired ? required : {}}
            limitHints={limitHints(caps)}
          />
          <KeyAccessFields
            idPrefix="edit"
            values={access}
            onChange={setAccess}
            error={error}
            plans={isAdmin ? (plans.data?.data ?? []) : null}
            restrictedByAdmin={apiKey?.restrictedByAdmin ?? false}
          />
          <FormErrors
            error={error}
            knownPaths={[...KEY_FORM_PATHS, ...(error?.fieldErrors.map((e) => e.path).filter(isAccessPath) ?? [])]}
          />
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending && <Loader2 className="animate-spin" aria-hidden />}
              Save changes
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
