'use client';

import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState } from '@/components/states';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { useResource } from '@/lib/use-resource';
import { PageHeader } from '../_components/page-header';
import { CapsForm } from './_components/caps-form';

export function SettingsClient() {
  const gateway = useGateway();
  const settings = useResource('settings', () => gateway.getSettings());

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Consumer caps"
        description="Limits on what users may give themselves when they manage their own keys."
      />
      <Card className="max-w-2xl">
        <CardHeader>
          <CardTitle>Self-service limits</CardTitle>
          <CardDescription>
            Apply when users create or change their own keys. Admins are not bound by them, and existing keys keep their
            limits.
          </CardDescription>
        </CardHeader>
        {settings.error && !settings.data ? (
          <CardContent>
            <ApiErrorState error={settings.error} what="the settings" onRetry={() => void settings.reload()} />
          </CardContent>
        ) : !settings.data ? (
          <CardContent className="grid gap-5" role="status" aria-label="Loading settings">
            {[0, 1, 2].map((i) => (
              <div key={i} className="grid gap-2">
                <Skeleton className="h-4 w-40" />
                <Skeleton className="h-9 w-48" />
              </div>
            ))}
          </CardContent>
        ) : (
          <CapsForm settings={settings.data} onSaved={(next) => settings.setData(() => next)} />
        )}
      </Card>
    </div>
  );
}
