'use client';

import type { ApiKey, CreatedApiKey } from '@gateway/shared';
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
import { SegmentedControl } from '@/components/ui/segmented-control';
import { type ApiError, toApiError } from '@/lib/api-error';
import { SecretReveal } from '../../admin/_components/secret-reveal';
import { FormErrors } from './form-errors';

/** How long the old secret keeps working after a roll (`graceSeconds`). */
export const GRACE_PERIODS = [
  { value: '0', label: 'None', title: 'The old key stops working at once' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '24 hours' },
  { value: '604800', label: '7 days' },
] as const;
type Grace = (typeof GRACE_PERIODS)[number]['value'];

interface RollKeyDialogProps {
  apiKey: ApiKey | null;
  onClose(): void;
  /** The key as it is after the roll (without its raw secret). */
  onRolled(key: ApiKey): void;
}

/** "Roll key": a new secret for the same key, shown once; the old one works through the grace period. */
export function RollKeyDialog({ apiKey, onClose, onRolled }: RollKeyDialogProps) {
  const gateway = useGateway();
  const [grace, setGrace] = useState<Grace>('86400');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [rolled, setRolled] = useState<CreatedApiKey | null>(null);

  function close() {
    setRolled(null); // the raw key is forgotten as soon as the dialog closes
    setError(null);
    setGrace('86400');
    onClose();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!apiKey) return;
    setPending(true);
    setError(null);
    try {
      const created = await gateway.rollKey(apiKey.id, { graceSeconds: Number(grace) });
      const { key: _raw, ...listed } = created;
      onRolled(listed);
      setRolled(created);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={apiKey !== null} onOpenChange={(open) => !open && close()}>
      <DialogContent onInteractOutside={(event) => rolled && event.preventDefault()}>
        {rolled ? (
          <>
            <DialogHeader>
              <DialogTitle>Save the new key</DialogTitle>
              <DialogDescription>
                “{rolled.name}” has a new secret. Its id, limits and usage history stay the same.
              </DialogDescription>
            </DialogHeader>
            <SecretReveal id="rolled-key" label="New API key" value={rolled.key} what="key" />
            {rolled.previousSecret && (
              <p className="text-sm text-muted-foreground">
                The old key <code className="font-mono text-xs">{rolled.previousSecret.start}…</code> keeps working
                until the grace period ends.
              </p>
            )}
            <DialogFooter>
              <Button onClick={close}>I've saved the new key</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Roll key</DialogTitle>
              <DialogDescription>
                <code className="font-mono text-xs">{apiKey?.start}…</code> gets a new secret. Choose how long the old
                one keeps working, so your clients can move without downtime.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-2">
              <span className="text-sm font-medium" aria-hidden>
                Grace period for the old key
              </span>
              <SegmentedControl
                legend="Grace period for the old key"
                options={GRACE_PERIODS}
                value={grace}
                onChange={setGrace}
                className="w-full"
              />
              {apiKey?.previousSecret && (
                <p className="text-xs text-muted-foreground">
                  The key's earlier secret <code className="font-mono">{apiKey.previousSecret.start}…</code> stops
                  working at once: a key has at most two working secrets.
                </p>
              )}
            </div>
            <FormErrors error={error} knownPaths={[]} />
            <DialogFooter>
              <Button variant="outline" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending}>
                {pending && <Loader2 className="animate-spin" aria-hidden />}
                Roll key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
