'use client';

import type { Route } from '@gateway/shared';
import { Pencil, Plus, Route as RouteIcon, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useGateway } from '@/components/gateway-provider';
import { ApiErrorState, EmptyState } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { formatNumber } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { ListSkeleton } from '../_components/list-skeleton';
import { ManagedByFileBadge } from '../_components/managed-badge';
import { PageHeader } from '../_components/page-header';
import { TrafficTabs } from '../_components/traffic-tabs';
import { RouteDialog } from './_components/route-dialog';

export function RoutesClient() {
  const gateway = useGateway();
  const routes = useResource('routes', async () => (await gateway.listRoutes()).data);
  const [editing, setEditing] = useState<Route | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Route | null>(null);

  function saved(route: Route) {
    routes.setData((list) => {
      const others = (list ?? []).filter((r) => r.id !== route.id);
      return [...others, route].sort((a, b) => a.prefix.localeCompare(b.prefix));
    });
  }

  const createButton = (
    <Button onClick={() => setEditing('new')}>
      <Plus aria-hidden /> Create route
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <TrafficTabs />
      <PageHeader
        title="Routes"
        description={
          <>
            Path prefixes under <code className="font-mono text-xs">/proxy</code> and the upstreams they forward to.
            Without routes, everything goes to the <code className="font-mono text-xs">default</code> route.
          </>
        }
        actions={createButton}
      />
      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Routes</CardTitle>
          <CardDescription>{routes.data ? `${routes.data.length} configured` : 'Loading…'}</CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {routes.error && !routes.data ? (
            <ApiErrorState
              className="mx-6 mb-4"
              error={routes.error}
              what="routes"
              onRetry={() => void routes.reload()}
            />
          ) : !routes.data ? (
            <ListSkeleton label="Loading routes" rows={3} />
          ) : routes.data.length === 0 ? (
            <EmptyState
              icon={<RouteIcon className="size-5" aria-hidden />}
              title="No routes yet"
              description="Every request goes to INTERNAL_API_BASE_URL through the default route."
              action={createButton}
            />
          ) : (
            <ul className="divide-y border-t" aria-label="Routes">
              {routes.data.map((route) => (
                <li
                  key={route.id}
                  data-testid="route-row"
                  data-route-name={route.name}
                  className="flex flex-wrap items-start justify-between gap-3 px-6 py-4"
                >
                  <div className="grid min-w-0 gap-1.5">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{route.name}</span>
                      <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{route.prefix}</code>
                      {route.enabled ? (
                        <Badge variant="success">Enabled</Badge>
                      ) : (
                        <Badge variant="secondary">Disabled</Badge>
                      )}
                      {route.managedByFile && <ManagedByFileBadge />}
                    </div>
                    <ul className="grid gap-0.5 text-xs text-muted-foreground">
                      {route.targets.map((target) => (
                        <li key={target} className="font-mono wrap-anywhere">
                          → {target}
                        </li>
                      ))}
                    </ul>
                    <p className="text-xs text-muted-foreground">
                      Cost {formatNumber(route.cost)} · {route.stripPrefix ? 'prefix stripped' : 'prefix kept'} ·{' '}
                      {route.timeoutMs === null ? 'default timeout' : `timeout ${formatNumber(route.timeoutMs)} ms`}
                      {route.retries > 0 && ` · ${route.retries} retr${route.retries === 1 ? 'y' : 'ies'}`}
                    </p>
                  </div>
                  {route.managedByFile ? (
                    <p className="text-xs text-muted-foreground sm:max-w-48 sm:text-right">
                      Read-only here: change it in the configuration file.
                    </p>
                  ) : (
                    <div className="flex gap-1">
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        onClick={() => setEditing(route)}
                        aria-label={`Edit route ${route.name}`}
                        title="Edit"
                      >
                        <Pencil aria-hidden />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                        onClick={() => setDeleting(route)}
                        aria-label={`Delete route ${route.name}`}
                        title="Delete"
                      >
                        <Trash2 aria-hidden />
                      </Button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <RouteDialog route={editing} onClose={() => setEditing(null)} onSaved={saved} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        destructive
        title={<>Delete route “{deleting?.name}”?</>}
        description={
          <>
            Requests to <code className="font-mono text-xs">/proxy{deleting?.prefix}</code> will go to the next matching
            route, or be refused if none matches. Keys scoped to it keep the scope.
          </>
        }
        actionLabel="Delete route"
        onConfirm={async () => {
          if (!deleting) return;
          await gateway.deleteRoute(deleting.id);
          const id = deleting.id;
          routes.setData((list) => list?.filter((r) => r.id !== id));
        }}
      />
    </div>
  );
}
