'use client';

import type { Webhook } from '@gateway/shared';
import { CheckCircle2 } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { toApiError } from '@/lib/api-error';
import { DeleteWebhookDialog } from './delete-webhook-dialog';
import { EditWebhookDialog } from './edit-webhook-dialog';
import { RotateSecretDialog } from './rotate-secret-dialog';
import type { WebhookActionHandlers, WebhookDialogKind } from './webhook-actions';

type Notice = { ok: true; text: string } | { ok: false; text: string };

interface UseWebhookActionsOptions {
  onChanged(webhook: Webhook): void;
  onDeleted(id: string): void;
  /** After a test event was queued (the detail page reloads its delivery log). */
  onTestQueued?(webhook: Webhook): void;
}

/**
 * The actions every endpoint has, wherever it is listed: send a test event (answered in a notice),
 * and the edit, rotate-secret and delete dialogs. Returns the handlers for `WebhookActions`, the
 * notice to show above the list and the dialogs to render once.
 */
export function useWebhookActions({ onChanged, onDeleted, onTestQueued }: UseWebhookActionsOptions): {
  handlers: WebhookActionHandlers;
  notice: ReactNode;
  dialogs: ReactNode;
} {
  const gateway = useGateway();
  const [open, setOpen] = useState<{ kind: WebhookDialogKind; webhook: Webhook } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const close = () => setOpen(null);
  const target = (kind: WebhookDialogKind) => (open?.kind === kind ? open.webhook : null);

  async function sendTest(webhook: Webhook) {
    setNotice(null);
    try {
      await gateway.sendTestWebhook(webhook.id);
      setNotice({ ok: true, text: `A webhook.test event is on its way to ${webhook.url}.` });
      onTestQueued?.(webhook);
    } catch (caught) {
      setNotice({ ok: false, text: `Couldn't send a test event: ${toApiError(caught).message}` });
    }
  }

  return {
    handlers: {
      onSendTest: (webhook) => void sendTest(webhook),
      onOpen: (kind, webhook) => setOpen({ kind, webhook }),
    },
    notice: notice && (
      <Alert variant={notice.ok ? 'default' : 'destructive'} data-testid="webhook-notice">
        {notice.ok && <CheckCircle2 aria-hidden className="text-[oklch(0.45_0.13_150)]" />}
        <AlertTitle>{notice.ok ? 'Test event sent' : 'Test event not sent'}</AlertTitle>
        <AlertDescription className="wrap-anywhere">{notice.text}</AlertDescription>
      </Alert>
    ),
    dialogs: (
      <>
        <EditWebhookDialog webhook={target('edit')} onClose={close} onSaved={onChanged} />
        <RotateSecretDialog webhook={target('rotate')} onClose={close} onRotated={onChanged} />
        <DeleteWebhookDialog webhook={target('delete')} onClose={close} onDeleted={onDeleted} />
      </>
    ),
  };
}
