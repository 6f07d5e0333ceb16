'use client';

import type { Webhook, WebhookWithSecret } from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { useEffect, useState } from 'react';
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
import { type ApiError, toApiError } from '@/lib/api-error';
import { SecretReveal } from '../../admin/_components/secret-reveal';
import { FormErrors } from '../../keys/_components/form-errors';
import { SIGNING_SECRET_NOTE } from './create-webhook-dialog';

/** How long the old secret keeps signing beside the new one (the API allows 0 to 7 days). */
const OVERLAPS = [
  { seconds: 0, label: 'No overlap: the old secret stops now' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours (recommended)' },
  { seconds: 7 * 86_400, label: '7 days' },
] as const;
const DEFAULT_OVERLAP = 86_400;

interface RotateSecretDialogProps {
  webhook: Webhook | null;
  onClose(): void;
  onRotated(webhook: Webhook): void;
}

/** `POST /webhooks/:id/rotate-secret`: the new secret is shown once; both sign during the overlap. */
export function RotateSecretDialog({ webhook, onClose, onRotated }: RotateSecretDialogProps) {
  const gateway = useGateway();
  const [overlap, setOverlap] = useState<number>(DEFAULT_OVERLAP);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [rotated, setRotated] = useState<WebhookWithSecret | null>(null);

  useEffect(() => {
    if (webhook) return;
    setOverlap(DEFAULT_OVERLAP);
    setError(null);
    setRotated(null); // the secret is forgotten as soon as the dialog closes
  }, [webhook]);

  async function rotate() {
    if (!webhook) return;
    setPending(true);
    setError(null);
    try {
      const result = await gateway.rotateWebhookSecret(webhook.id, { overlapSeconds: overlap });
      const { secret: _secret, ...listed } = result;
      onRotated(listed);
      setRotated(result);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={webhook !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent onInteractOutside={(event) => rotated && event.preventDefault()}>
        {rotated ? (
          <>
            <DialogHeader>
              <DialogTitle>Save the new signing secret</DialogTitle>
              <DialogDescription>
                {overlap > 0
                  ? 'Until the overlap ends, deliveries carry a signature with each secret: switch your receiver to the new one before then.'
                  : 'Deliveries are signed with the new secret only, from now on.'}
              </DialogDescription>
            </DialogHeader>
            <SecretReveal
              id="rotated-webhook-secret"
              label="New signing secret"
              value={rotated.secret}
              what="secret"
              note={SIGNING_SECRET_NOTE}
            />
            <DialogFooter>
              <Button onClick={onClose}>I've saved the secret</Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Rotate signing secret</DialogTitle>
              <DialogDescription className="wrap-anywhere">
                A new secret for {webhook?.url}. Keep the old one signing for a while so your receiver can switch
                without rejecting events.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-2">
              <Label htmlFor="rotate-overlap">Old secret keeps signing for</Label>
              <NativeSelect
                id="rotate-overlap"
                value={String(overlap)}
                onChange={(event) => setOverlap(Number(event.target.value))}
              >
                {OVERLAPS.map((option) => (
                  <option key={option.seconds} value={option.seconds}>
                    {option.label}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <FormErrors error={error} knownPaths={[]} />
            <DialogFooter>
              <Button variant="outline" onClick={onClose}>
                Cancel
              </Button>
              <Button onClick={rotate} disabled={pending}>
                {pending && <Loader2 className="animate-spin" aria-hidden />}
                Rotate secret
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
