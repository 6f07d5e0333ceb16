'use client';

import { AlertTriangle, Loader2, RefreshCw, ServerOff, ShieldX } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { type ApiError, errorTitle } from '@/lib/api-error';
import { cn } from '@/lib/utils';

export function PageSpinner({ label }: { label: string }) {
  return (
    <div role="status" className="flex min-h-[50dvh] items-center justify-center gap-2 text-sm text-muted-foreground">
      <Loader2 className="size-4 animate-spin" aria-hidden />
      <span>{label}…</span>
    </div>
  );
}

interface ErrorStateProps {
  title: string;
  description: ReactNode;
  onRetry?: () => void;
  icon?: ReactNode;
  className?: string;
}

export function ErrorState({ title, description, onRetry, icon, className }: ErrorStateProps) {
  return (
    <div
      role="alert"
      className={cn(
        'flex flex-col items-center gap-3 rounded-xl border border-dashed px-6 py-12 text-center',
        className,
      )}
    >
      <div className="flex size-11 items-center justify-center rounded-full bg-destructive/10 text-destructive">
        {icon ?? <AlertTriangle className="size-5" aria-hidden />}
      </div>
      <h2 className="text-base font-semibold">{title}</h2>
      <div className="max-w-md text-sm text-muted-foreground">{description}</div>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry} className="mt-1">
          <RefreshCw aria-hidden /> Try again
        </Button>
      )}
    </div>
  );
}

/** Explains an `ApiError` to a person: "gateway down" gets its own, actionable message. */
export function ApiErrorState({
  error,
  onRetry,
  what,
  className,
}: {
  error: ApiError;
  onRetry?: () => void;
  what: string;
  className?: string;
}) {
  if (error.originRefused) {
    return (
      <ErrorState
        className={className}
        icon={<ShieldX className="size-5" aria-hidden />}
        title="This address is not allowed by the gateway"
        description={<p>{error.message}</p>}
      />
    );
  }
  if (error.isNetwork) {
    return (
      <ErrorState
        className={className}
        icon={<ServerOff className="size-5" aria-hidden />}
        title={errorTitle(error, '')}
        description={<p>{error.message}</p>}
        onRetry={onRetry}
      />
    );
  }
  if (error.isUnauthorized) {
    return (
      <ErrorState
        className={className}
        title="Your session has ended"
        description={
          <p>
            Sign in again to continue.{' '}
            <Link href="/login" className="font-medium text-foreground underline underline-offset-4">
              Go to sign in
            </Link>
          </p>
        }
      />
    );
  }
  if (error.code === 'FORBIDDEN' || error.code === 'INSUFFICIENT_SCOPE') {
    return (
      <ErrorState
        className={className}
        icon={<ShieldX className="size-5" aria-hidden />}
        title="You don't have access"
        description={<p>{error.message}</p>}
      />
    );
  }
  return (
    <ErrorState
      className={className}
      title={`Couldn't load ${what}`}
      description={<p>{error.message}</p>}
      onRetry={error.isRetryable ? onRetry : undefined}
    />
  );
}

export function EmptyState({
  icon,
  title,
  description,
  action,
}: {
  icon: ReactNode;
  title: string;
  description: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center gap-3 px-6 py-14 text-center">
      <div className="flex size-11 items-center justify-center rounded-full bg-muted text-muted-foreground">{icon}</div>
      <h3 className="text-base font-semibold">{title}</h3>
      <div className="max-w-sm text-sm text-muted-foreground">{description}</div>
      {action}
    </div>
  );
}
