'use client';

import { ArrowRight, Loader2, ServerOff, Waypoints } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useState } from 'react';
import { FormField } from '@/components/form-field';
import { useGateway } from '@/components/gateway-provider';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { type ApiError, toApiError } from '@/lib/api-error';

export function LoginClient({ next }: { next: string }) {
  const gateway = useGateway();
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [cookieBlocked, setCookieBlocked] = useState(false);

  // Already signed in (the cookie is still valid): skip the form.
  useEffect(() => {
    gateway.getSession().then(
      () => router.replace(next),
      () => undefined,
    );
  }, [gateway, router, next]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setCookieBlocked(false);
    try {
      await gateway.login(email);
      // The session lives in the gateway's HttpOnly cookie: make sure the browser kept it.
      const session = await gateway.getSession().catch((caught: unknown) => toApiError(caught));
      if (session instanceof Error) {
        if (session.isUnauthorized) setCookieBlocked(true);
        else setError(session);
        return;
      }
      router.replace(next);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  const emailError = error?.fieldError('email');
  const formError = error && !emailError ? error : null;

  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/40 px-4 py-12">
      <div className="flex w-full max-w-sm flex-col gap-6">
        <div className="flex items-center justify-center gap-2 font-semibold">
          <span className="flex size-8 items-center justify-center rounded-md bg-primary text-primary-foreground">
            <Waypoints className="size-4" aria-hidden />
          </span>
          API Gateway
        </div>
        <Card>
          <CardHeader className="text-center">
            <CardTitle className="text-xl">
              <h1>Sign in</h1>
            </CardTitle>
            <CardDescription>Enter your email to manage your API keys. A new email creates an account.</CardDescription>
          </CardHeader>
          <CardContent>
            <form onSubmit={onSubmit} noValidate className="grid gap-4">
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
                onChange={(event) => setEmail(event.target.value)}
                error={emailError}
              />
              {formError && (
                <Alert variant="destructive">
                  {formError.isNetwork && <ServerOff aria-hidden />}
                  <AlertTitle>{formError.isNetwork ? "Can't reach the gateway" : 'Sign-in failed'}</AlertTitle>
                  <AlertDescription>
                    {formError.isNetwork
                      ? `No answer from ${gateway.baseUrl}. Check that the gateway is running.`
                      : formError.message}
                  </AlertDescription>
                </Alert>
              )}
              {cookieBlocked && (
                <Alert variant="warning">
                  <AlertTitle>Your browser did not keep the session cookie</AlertTitle>
                  <AlertDescription>
                    The dashboard and the gateway ({gateway.baseUrl}) must be served from the same site, e.g. two
                    subdomains of one domain. See the README.
                  </AlertDescription>
                </Alert>
              )}
              <Button type="submit" className="w-full" disabled={pending}>
                {pending ? <Loader2 className="animate-spin" aria-hidden /> : <ArrowRight aria-hidden />}
                Continue with email
              </Button>
            </form>
          </CardContent>
        </Card>
      </div>
    </main>
  );
}
