'use client';

import type { Webhook, WebhookWithSecret } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type FormEvent, useState } from 'react';
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
import { SecretReveal } from '../../admin/_components/secret-reveal';
import { FormErrors } from '../../keys/_components/form-errors';
import {
  EMPTY_WEBHOOK_FORM,
  eventsMissing,
  eventsOf,
  WEBHOOK_FORM_PATHS,
  WebhookFormFields,
  type WebhookFormValues,
} from './webhook-form-fields';

/** What the reveal says about how the secret is kept: unlike keys, it must stay readable to sign. */
export const SIGNING_SECRET_NOTE = 'The gateway keeps it encrypted to sign deliveries and never shows it again.';

interface CreateWebhookDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  onCreated(webhook: Webhook): void;
  /** An admin's platform endpoint: every user's events and the platform's own. */
  platform?: boolean;
}

/** `POST /webhooks`: the signing secret is shown once, with a copy button. */
export function CreateWebhookDialog({ open, onOpenChange, onCreated, platform = false }: CreateWebhookDialogProps) {
  const gateway = useGateway();
  const [values, setValues] = useState<WebhookFormValues>(EMPTY_WEBHOOK_FORM);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [showMissing, setShowMissing] = useState(false);
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);

  function change(nextOpen: boolean) {
    if (!nextOpen) {
      setValues(EMPTY_WEBHOOK_FORM);
      setError(null);
      setShowMissing(false);
      setCreated(null); // the secret is forgotten as soon as the dialog closes
    }
    onOpenChange(nextOpen);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (eventsMissing(values)) return setShowMissing(true);
    setPending(true);
    setError(null);
    try {
      const webhook = await gateway.createWebhook({
        url: values.url,
        ...(values.description.trim() !== '' && { description: values.description }),
        events: eventsOf(values),
      });
      const { secret: _secret, ...listed } = webhook;
      onCreated(listed);
      setCreated(webhook);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogContent
        // Once the secret is shown, a stray click outside must not throw it away.
        onInteractOutside={(event) => created && event.preventDefault()}
      >
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Save your signing secret</DialogTitle>
              <DialogDescription className="wrap-anywhere">
                Deliveries to {created.url} are signed with it (Standard Webhooks). Verify the{' '}
                <code className="font-mono text-xs">webhook-signature</code> header with it before trusting an event.
              </DialogDescription>
            </DialogHeader>
            <SecretReveal
              id="created-webhook-secret"
              label="Signing secret"
              value={created.secret}
              what="secret"
              note={SIGNING_SECRET_NOTE}
            />
            <DialogFooter>
              <Button onClick={() => change(false)}>I've saved the secret</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <DialogHeader>
              <DialogTitle>{platform ? 'Add platform endpoint' : 'Add endpoint'}</DialogTitle>
              <DialogDescription>
                {platform
                  ? 'A platform endpoint receives every user’s events and the platform’s own (rate limiting).'
                  : 'Get a signed HTTP request when something happens to your keys.'}
              </DialogDescription>
            </DialogHeader>
            <WebhookFormFields
              idPrefix="create-webhook"
              values={values}
              onChange={setValues}
              error={error}
              platform={platform}
              showEventsMissing={showMissing}
            />
            <FormErrors error={error} knownPaths={WEBHOOK_FORM_PATHS} />
            <DialogFooter>
              <Button variant="outline" onClick={() => change(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending}>
                {pending && <Loader2 className="animate-spin" aria-hidden />}
                Add endpoint
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
