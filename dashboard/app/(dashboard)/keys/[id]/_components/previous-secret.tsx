'use client';

import type { ApiKey } from '@gateway/shared';
import { History } from 'lucide-react';
import { useEffect, useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { formatCountdown, formatDateTime, formatRelative } from '@/lib/format';

/** Ticks once a second while `until` is in the future; the current time otherwise. */
function useNow(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current >= until) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [until]);
  return now;
}

/**
 * The secret a roll replaced: its start, a live countdown to the end of its grace period, its last use
 * since the roll (has traffic moved?), and "End grace period now".
 */
export function PreviousSecret({ apiKey, onChanged }: { apiKey: ApiKey; onChanged(key: ApiKey): void }) {
  const gateway = useGateway();
  const [confirming, setConfirming] = useState(false);
  const previous = apiKey.previousSecret;
  const expiresAt = previous ? Date.parse(previous.expiresAt) : null;
  const now = useNow(expiresAt);
  if (!previous || expiresAt === null) return null;
  const running = expiresAt > now;

  return (
    <Card data-testid="previous-secret">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <History className="size-4" aria-hidden /> Old secret after the roll
        </CardTitle>
        <CardDescription>
          {running
            ? 'The secret this key had before its last roll still works until the grace period ends.'
            : 'The grace period has ended: the old secret is refused.'}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <dl className="grid gap-4 text-sm sm:grid-cols-3">
          <div className="grid gap-1">
            <dt className="text-xs text-muted-foreground">Old key</dt>
            <dd>
              <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{previous.start}…</code>
            </dd>
          </div>
          <div className="grid gap-1">
            <dt className="text-xs text-muted-foreground">{running ? 'Stops working in' : 'Stopped working'}</dt>
            <dd>
              <time dateTime={previous.expiresAt} title={formatDateTime(previous.expiresAt)}>
                {running ? (
                  <span className="font-medium tabular-nums" data-testid="grace-countdown">
                    {formatCountdown(expiresAt - now)}
                  </span>
                ) : (
                  formatDateTime(previous.expiresAt)
                )}
              </time>
            </dd>
          </div>
          <div className="grid gap-1">
            <dt className="text-xs text-muted-foreground">Last used since the roll</dt>
            <dd data-testid="previous-last-used">
              {previous.lastUsedAt ? (
                <time dateTime={previous.lastUsedAt} title={formatDateTime(previous.lastUsedAt)}>
                  {formatRelative(previous.lastUsedAt, now)}
                </time>
              ) : (
                'Not used since the roll'
              )}
            </dd>
          </div>
        </dl>
        {running && (
          <Button variant="outline" className="w-fit" onClick={() => setConfirming(true)}>
            End grace period now
          </Button>
        )}
      </CardContent>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        destructive
        title="End the grace period now?"
        description={
          <>
            Requests with the old key <code className="font-mono text-xs">{previous.start}…</code> will be rejected from
            now on. Only the new key keeps working.
          </>
        }
        actionLabel="End grace period"
        onConfirm={async () => onChanged(await gateway.endGracePeriod(apiKey.id))}
      />
    </Card>
  );
}
