'use client';

import type { Plan } from '@gateway/shared';
import { Layers, Pencil, Plus, Trash2 } from 'lucide-react';
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
import { PlanDialog } from './_components/plan-dialog';

export function PlansClient() {
  const gateway = useGateway();
  const plans = useResource('plans', () => gateway.listPlans());
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Plan | null>(null);
  const list = plans.data?.data;

  function saved(plan: Plan) {
    plans.setData((page) => {
      const others = (page?.data ?? []).filter((p) => p.id !== plan.id);
      return { data: [...others, plan].sort((a, b) => a.name.localeCompare(b.name)) };
    });
  }

  const createButton = (
    <Button onClick={() => setEditing('new')}>
      <Plus aria-hidden /> Create plan
    </Button>
  );

  return (
    <div className="flex flex-col gap-6">
      <TrafficTabs />
      <PageHeader
        title="Plans"
        description="Named sets of rate-limit windows that keys reference. Keys without a plan keep their own two limits."
        actions={createButton}
      />
      <Card className="gap-4 pb-2">
        <CardHeader>
          <CardTitle>Plans</CardTitle>
          <CardDescription>{list ? `${list.length} defined` : 'Loading…'}</CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {plans.error && !list ? (
            <ApiErrorState className="mx-6 mb-4" error={plans.error} what="plans" onRetry={() => void plans.reload()} />
          ) : !list ? (
            <ListSkeleton label="Loading plans" rows={3} />
          ) : list.length === 0 ? (
            <EmptyState
              icon={<Layers className="size-5" aria-hidden />}
              title="No plans yet"
              description="Create a plan, then choose it for keys in their edit dialog."
              action={createButton}
            />
          ) : (
            <ul className="divide-y border-t" aria-label="Plans">
              {list.map((plan) => (
                <li
                  key={plan.id}
                  id={`plan-${plan.id}`}
                  data-testid="plan-row"
                  data-plan-name={plan.name}
                  className="flex scroll-mt-20 flex-wrap items-start justify-between gap-3 px-6 py-4 target:bg-muted/50"
                >
                  <div className="grid min-w-0 gap-1.5">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{plan.name}</span>
                      <span className="text-xs text-muted-foreground">{plan.timeZone}</span>
                      <Badge variant="secondary" data-testid="plan-key-count">
                        {formatNumber(plan.keyCount)} key{plan.keyCount === 1 ? '' : 's'}
                      </Badge>
                      {plan.managedByFile && <ManagedByFileBadge />}
                    </div>
                    {plan.description && <p className="text-sm text-muted-foreground">{plan.description}</p>}
                    <ul className="flex flex-wrap gap-1.5" aria-label={`Windows of ${plan.name}`}>
                      {plan.windows.map((w) => (
                        <li key={`${w.scope}:${w.unit}`}>
                          <Badge
                            variant="outline"
                            className="tabular-nums"
                            title={w.shadow ? 'Shadow: counted and reported, never enforced' : undefined}
                          >
                            {formatNumber(w.limit)}/{w.unit}
                            {w.scope === 'owner' && ' per owner'}
                            {w.shadow && ' (shadow)'}
                          </Badge>
                        </li>
                      ))}
                    </ul>
                  </div>
                  {plan.managedByFile ? (
                    <p className="text-xs text-muted-foreground sm:max-w-48 sm:text-right">
                      Read-only here: change it in the configuration file.
                    </p>
                  ) : (
                    <div className="flex gap-1">
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        onClick={() => setEditing(plan)}
                        aria-label={`Edit plan ${plan.name}`}
                        title="Edit"
                      >
                        <Pencil aria-hidden />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                        onClick={() => setDeleting(plan)}
                        aria-label={`Delete plan ${plan.name}`}
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
      <PlanDialog plan={editing} onClose={() => setEditing(null)} onSaved={saved} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        destructive
        title={<>Delete plan “{deleting?.name}”?</>}
        description={
          deleting && deleting.keyCount > 0
            ? `${formatNumber(deleting.keyCount)} key(s) use this plan: the gateway refuses to delete it until they are moved to another plan.`
            : 'No key uses this plan. This cannot be undone.'
        }
        actionLabel="Delete plan"
        errorTitle={(error) => error.problem?.title ?? 'Could not delete the plan'}
        onConfirm={async () => {
          if (!deleting) return;
          await gateway.deletePlan(deleting.id);
          const id = deleting.id;
          plans.setData((page) => page && { data: page.data.filter((p) => p.id !== id) });
        }}
      />
    </div>
  );
}
