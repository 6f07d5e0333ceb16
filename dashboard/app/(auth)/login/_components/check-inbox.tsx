'use client';

import { Loader2, MailCheck, RotateCw, Terminal } from 'lucide-react';
import { useState } from 'react';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { type ApiError, errorTitle } from '@/lib/api-error';

interface CheckInboxProps {
  email: string;
  expiresInSeconds: number;
  /** No SMTP server: the gateway logs the link and writes it to its dev mailbox. */
  devMailbox: boolean;
  /** Seconds until "Resend" is allowed again. */
  resendIn: number;
  onResend(): Promise<ApiError | null>;
  onUseAnotherEmail(): void;
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** After the link was mailed: where to look, how long it lasts, resend (throttled) or start over. */
export function CheckInbox({
  email,
  expiresInSeconds,
  devMailbox,
  resendIn,
  onResend,
  onUseAnotherEmail,
}: CheckInboxProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [resent, setResent] = useState(false);

  async function resend() {
    setPending(true);
    setError(null);
    setResent(false);
    const failure = await onResend();
    setPending(false);
    setError(failure);
    setResent(failure === null);
  }

  return (
    <div className="grid gap-4" data-testid="check-inbox">
      <div className="flex flex-col items-center gap-3 text-center">
        <span className="flex size-11 items-center justify-center rounded-full bg-success/12 text-[oklch(0.45_0.13_150)]">
          <MailCheck className="size-5" aria-hidden />
        </span>
        <p className="text-sm text-muted-foreground">
          We sent a sign-in link to <strong className="break-all font-medium text-foreground">{email}</strong>. Open it
          on this device to sign in. The link works once and expires in {minutes(expiresInSeconds)}.
        </p>
      </div>

      {devMailbox && (
        <Alert role="note">
          <Terminal aria-hidden />
          <AlertTitle>No mail server is configured</AlertTitle>
          <AlertDescription>
            <p>
              The gateway runs without <code className="font-mono text-xs">SMTP_URL</code>, so no email leaves it. The
              link is in the gateway's terminal output and in a file under its{' '}
              <code className="font-mono text-xs">DATA_DIR/mailbox/</code> folder.
            </p>
          </AlertDescription>
        </Alert>
      )}

      {error && (
        <Alert variant="destructive">
          <AlertTitle>{errorTitle(error, 'Could not resend')}</AlertTitle>
          <AlertDescription>{error.message}</AlertDescription>
        </Alert>
      )}
      <p className="sr-only" aria-live="polite">
        {resent ? `A new link was sent to ${email}.` : ''}
      </p>

      <div className="grid gap-2">
        <Button variant="outline" onClick={resend} disabled={pending || resendIn > 0}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : <RotateCw aria-hidden />}
          {resendIn > 0 ? `Resend link (${resendIn} s)` : 'Resend link'}
        </Button>
        <Button variant="ghost" onClick={onUseAnotherEmail}>
          Use another email
        </Button>
      </div>
    </div>
  );
}
