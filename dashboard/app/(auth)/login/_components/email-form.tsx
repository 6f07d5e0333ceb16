'use client';

import { ArrowRight, Loader2, ServerOff } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { FormField } from '@/components/form-field';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { ApiError } from '@/lib/api-error';

interface EmailFormProps {
  email: string;
  onEmailChange(email: string): void;
  /** Resolves to the error to show, or null once the link is on its way. */
  onSubmit(email: string): Promise<ApiError | null>;
  /** Seconds until the gateway accepts another request (after a 429). */
  waitSeconds: number;
  gatewayUrl: string;
}

/** The email step: the API's own message appears under the field, anything else above the button. */
export function EmailForm({ email, onEmailChange, onSubmit, waitSeconds, gatewayUrl }: EmailFormProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const failure = await onSubmit(email);
    setPending(false);
    setError(failure);
  }

  const emailError = error?.fieldError('email');
  const formError = error && !emailError ? error : null;

  return (
    <form onSubmit={submit} noValidate className="grid gap-4">
      <FormField
        id="email"
        label="Email"
        type="email"
        autoComplete="email"
        inputMode="email"
        placeholder="you@example.com"
        required
        autoFocus
        value={email}
        onChange={(event) => onEmailChange(event.target.value)}
        error={emailError}
      />
      {formError && (
        <Alert variant="destructive">
          {formError.isNetwork && <ServerOff aria-hidden />}
          <AlertTitle>
            {formError.originRefused
              ? 'This address is not allowed by the gateway'
              : formError.isNetwork
                ? "Can't reach the gateway"
                : (formError.problem?.title ?? 'Sign-in failed')}
          </AlertTitle>
          <AlertDescription>
            {formError.isNetwork && !formError.originRefused
              ? `No answer from ${gatewayUrl}. Check that the gateway is running.`
              : formError.message}
          </AlertDescription>
        </Alert>
      )}
      <Button type="submit" className="w-full" disabled={pending || waitSeconds > 0}>
        {pending ? <Loader2 className="animate-spin" aria-hidden /> : <ArrowRight aria-hidden />}
        {waitSeconds > 0 ? `Try again in ${waitSeconds} s` : 'Email me a sign-in link'}
      </Button>
    </form>
  );
}
