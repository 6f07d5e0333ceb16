'use client';

import type { ApiKey, CreatedApiKey } from '@gateway/shared';
import { Loader2, TriangleAlert } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { useGateway, useProxyUrl } from '@/components/gateway-provider';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { type ApiError, toApiError } from '@/lib/api-error';
import { type ConsumerCaps, KeyCountNotice, limitHints } from './caps';
import { CopyButton } from './copy-button';
import { FormErrors } from './form-errors';
import { createKeyRequestOf, EMPTY_KEY_FORM, KEY_FORM_PATHS, type KeyDefaults, KeyFormFields } from './key-form-fields';

interface CreateKeyDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  onCreated(key: ApiKey): void;
  caps: ConsumerCaps;
  /** How many keys the account holds, when the whole list is loaded. */
  keyCount: number | null;
  /** What empty limits become, shown as placeholders. */
  defaults: KeyDefaults | undefined;
}

export function CreateKeyDialog({ open, onOpenChange, onCreated, caps, keyCount, defaults }: CreateKeyDialogProps) {
  const gateway = useGateway();
  const [values, setValues] = useState(EMPTY_KEY_FORM);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const proxyUrl = useProxyUrl();

  function reset(nextOpen: boolean) {
    if (!nextOpen) {
      setValues(EMPTY_KEY_FORM);
      setError(null);
      setCreated(null); // the raw key is forgotten as soon as the dialog closes
    }
    onOpenChange(nextOpen);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const key = await gateway.createKey(createKeyRequestOf(values));
      const { key: _raw, ...listed } = key;
      onCreated(listed);
      setCreated(key);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={reset}>
      <DialogContent
        // Once the key is shown, a stray click outside must not throw it away.
        onInteractOutside={(event) => created && event.preventDefault()}
      >
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Save your API key</DialogTitle>
              <DialogDescription>
                “{created.name}” is ready. Use it in the <code className="font-mono text-xs">X-API-Key</code> header.
              </DialogDescription>
            </DialogHeader>
            <Alert variant="warning">
              <TriangleAlert aria-hidden />
              <AlertTitle>You won't see this key again</AlertTitle>
              <AlertDescription>
                Copy it now and store it somewhere safe. The gateway keeps only a hash of it.
              </AlertDescription>
            </Alert>
            <div className="grid gap-2">
              <Label htmlFor="created-key">API key</Label>
              <div className="flex gap-2">
                <Input
                  id="created-key"
                  readOnly
                  value={created.key}
                  className="font-mono text-sm"
                  onFocus={(event) => event.currentTarget.select()}
                />
                <CopyButton value={created.key} fallbackInputId="created-key" />
              </div>
            </div>
            <div className="grid gap-2">
              <Label htmlFor="created-key-example">Call the API with it</Label>
              <pre
                id="created-key-example"
                className="overflow-x-auto rounded-md border bg-muted px-3 py-2 font-mono text-xs whitespace-pre"
              >{`curl ${proxyUrl}/proxy/ \\\n  -H "X-API-Key: ${created.key}"`}</pre>
            </div>
            <DialogFooter>
              <Button onClick={() => reset(false)}>I've saved my key</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Create API key</DialogTitle>
              <DialogDescription>
                Name the key, set its rate limits and, if it should stop working on a date, its expiry.
              </DialogDescription>
            </DialogHeader>
            <KeyCountNotice caps={caps} keyCount={keyCount} />
            <KeyFormFields
              idPrefix="create"
              values={values}
              onChange={setValues}
              error={error}
              limitHints={limitHints(caps)}
              defaults={defaults}
            />
            <FormErrors error={error} knownPaths={KEY_FORM_PATHS} />
            <DialogFooter>
              <Button variant="outline" onClick={() => reset(false)}>
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
