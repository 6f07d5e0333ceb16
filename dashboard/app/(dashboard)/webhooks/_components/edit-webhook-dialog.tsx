'use client';

import type { UpdateWebhookRequest, Webhook } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
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
import { Switch } from '@/components/ui/switch';
import { type ApiError, toApiError } from '@/lib/api-error';
import { FormErrors } from '../../keys/_components/form-errors';
import {
  EMPTY_WEBHOOK_FORM,
  eventsMissing,
  eventsOf,
  WEBHOOK_FORM_PATHS,
  WebhookFormFields,
  type WebhookFormValues,
} from './webhook-form-fields';

function valuesOf(webhook: Webhook): WebhookFormValues {
  return {
    url: webhook.url,
    description: webhook.description,
    eventMode: webhook.events.length === 0 ? 'all' : 'selected',
    events: webhook.events,
  };
}

const sameEvents = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((type) => b.includes(type));

/** Only what changed is sent, so the PATCH never overwrites a concurrent change to another field. */
function changes(webhook: Webhook, values: WebhookFormValues, enabled: boolean): UpdateWebhookRequest {
  const body: UpdateWebhookRequest = {};
  if (values.url !== webhook.url) body.url = values.url;
  if (values.description !== webhook.description) body.description = values.description;
  const events = eventsOf(values);
  if (!sameEvents(events, webhook.events)) body.events = events;
  if (enabled !== webhook.enabled) body.enabled = enabled;
  return body;
}

interface EditWebhookDialogProps {
  webhook: Webhook | null;
  onClose(): void;
  onSaved(webhook: Webhook): void;
}

/** `PATCH /webhooks/:id`: URL, description, events, and the enabled switch (enabling clears a failure streak). */
export function EditWebhookDialog({ webhook, onClose, onSaved }: EditWebhookDialogProps) {
  const gateway = useGateway();
  const [values, setValues] = useState<WebhookFormValues>(EMPTY_WEBHOOK_FORM);
  const [enabled, setEnabled] = useState(true);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [showMissing, setShowMissing] = useState(false);

  useEffect(() => {
    if (webhook) {
      setValues(valuesOf(webhook));
      setEnabled(webhook.enabled);
    }
    setError(null);
    setShowMissing(false);
  }, [webhook]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!webhook) return;
    if (eventsMissing(values)) return setShowMissing(true);
    const body = changes(webhook, values, enabled);
    if (Object.keys(body).length === 0) return onClose();
    setPending(true);
    setError(null);
    try {
      onSaved(await gateway.updateWebhook(webhook.id, body));
      onClose();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={webhook !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Edit endpoint</DialogTitle>
            <DialogDescription>
              Changes apply to the next delivery; its signing secret stays the same.
            </DialogDescription>
          </DialogHeader>
          <WebhookFormFields
            idPrefix="edit-webhook"
            values={values}
            onChange={setValues}
            error={error}
            platform={webhook?.userId === null}
            showEventsMissing={showMissing}
          />
          <div className="flex items-start gap-3 rounded-md border p-3">
            <Switch id="edit-webhook-enabled" checked={enabled} onCheckedChange={setEnabled} className="mt-0.5" />
            <div className="grid gap-1">
              <Label htmlFor="edit-webhook-enabled">Enabled</Label>
              <p className="text-xs text-muted-foreground">
                {webhook?.disabledReason && !webhook.enabled
                  ? `Disabled by the gateway: ${webhook.disabledReason}. Enabling it clears this and delivers again.`
                  : 'A disabled endpoint gets no deliveries; events that happen meanwhile are not sent later.'}
              </p>
            </div>
          </div>
          <FormErrors error={error} knownPaths={WEBHOOK_FORM_PATHS} />
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
