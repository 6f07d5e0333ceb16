'use client';

import {
  type CreateRouteRequest,
  DEFAULT_EJECT_AFTER_FAILURES,
  DEFAULT_EJECT_COOLDOWN_MS,
  type Route,
} from '@gateway/shared';
import { Loader2 } from 'lucide-react';
import { FormField } from '@/components/form-field';
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
import { Label } from '@/components/ui/label';
import { Switch } from '@/components/ui/switch';
import { Textarea } from '@/components/ui/textarea';
import { isPathUnder, listFieldError } from '@/lib/api-error';
import { FormErrors } from '../../../keys/_components/form-errors';
import { numberOf } from '../../_components/number-field';
import { useEditorDialog } from '../../_components/use-editor-dialog';

interface RouteFormValues {
  name: string;
  prefix: string;
  /** One URL a line. */
  targets: string;
  cost: string;
  timeoutMs: string;
  retries: string;
  ejectAfterFailures: string;
  ejectCooldownMs: string;
  stripPrefix: boolean;
  enabled: boolean;
}

const EMPTY: RouteFormValues = {
  name: '',
  prefix: '',
  targets: '',
  cost: '',
  timeoutMs: '',
  retries: '',
  ejectAfterFailures: '',
  ejectCooldownMs: '',
  stripPrefix: true,
  enabled: true,
};

const FIELDS = [
  'name',
  'prefix',
  'targets',
  'cost',
  'timeoutMs',
  'retries',
  'ejectAfterFailures',
  'ejectCooldownMs',
  'stripPrefix',
  'enabled',
] as const;

function valuesOf(route: Route): RouteFormValues {
  return {
    name: route.name,
    prefix: route.prefix,
    targets: route.targets.join('\n'),
    cost: String(route.cost),
    timeoutMs: route.timeoutMs === null ? '' : String(route.timeoutMs),
    retries: String(route.retries),
    ejectAfterFailures: String(route.ejectAfterFailures),
    ejectCooldownMs: String(route.ejectCooldownMs),
    stripPrefix: route.stripPrefix,
    enabled: route.enabled,
  };
}

/** The form as `POST /routes` takes it: empty numbers are left to the gateway's defaults. */
function requestOf(values: RouteFormValues): CreateRouteRequest {
  return {
    name: values.name,
    prefix: values.prefix,
    targets: values.targets
      .split('\n')
      .map((t) => t.trim())
      .filter(Boolean),
    cost: numberOf(values.cost),
    // Empty: the gateway's UPSTREAM_TIMEOUT_MS.
    timeoutMs: numberOf(values.timeoutMs) ?? null,
    retries: numberOf(values.retries),
    ejectAfterFailures: numberOf(values.ejectAfterFailures),
    ejectCooldownMs: numberOf(values.ejectCooldownMs),
    stripPrefix: values.stripPrefix,
    enabled: values.enabled,
  };
}

interface RouteDialogProps {
  /** `'new'` creates; a route edits it; null is closed. */
  route: Route | 'new' | null;
  onClose(): void;
  onSaved(route: Route): void;
}

export function RouteDialog({ route, onClose, onSaved }: RouteDialogProps) {
  const gateway = useGateway();
  const { values, setValues, pending, error, editing, onSubmit } = useEditorDialog({
    item: route,
    empty: EMPTY,
    valuesOf,
    requestOf,
    create: (body) => gateway.createRoute(body),
    update: (existing, changes) => gateway.updateRoute(existing.id, changes),
    onSaved,
    onClose,
  });

  const set = (name: keyof RouteFormValues) => (event: { target: { value: string } }) =>
    setValues({ ...values, [name]: event.target.value });
  const targetsError = listFieldError(error, 'targets');
  const number = (name: keyof RouteFormValues, label: string, placeholder: string, hint?: string) => (
    <FormField
      id={`route-${name}`}
      label={label}
      type="number"
      inputMode="numeric"
      step={1}
      placeholder={placeholder}
      value={values[name] as string}
      onChange={set(name)}
      error={error?.fieldError(name)}
      hint={hint}
    />
  );

  return (
    <Dialog open={route !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="sm:max-w-xl">
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{editing ? `Edit route “${editing.name}”` : 'Create route'}</DialogTitle>
            <DialogDescription>
              Requests to{' '}
              <code className="font-mono text-xs">/proxy{values.prefix.startsWith('/') ? values.prefix : '/…'}</code> go
              to one of the targets; the longest matching prefix wins.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField
              id="route-name"
              label="Name"
              placeholder="orders"
              value={values.name}
              onChange={set('name')}
              error={error?.fieldError('name')}
              hint="Scopes on keys name routes by it."
            />
            <FormField
              id="route-prefix"
              label="Prefix"
              placeholder="/orders"
              value={values.prefix}
              onChange={set('prefix')}
              error={error?.fieldError('prefix')}
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="route-targets">Targets</Label>
            <Textarea
              id="route-targets"
              rows={2}
              placeholder={'http://orders-a:8080/v2\nhttp://orders-b:8080/v2'}
              value={values.targets}
              onChange={set('targets')}
              aria-invalid={targetsError ? true : undefined}
              aria-describedby={targetsError ? 'route-targets-error' : 'route-targets-hint'}
              className="font-mono text-xs md:text-xs"
              spellCheck={false}
            />
            {targetsError ? (
              <p id="route-targets-error" className="text-sm text-destructive">
                Targets: {targetsError}
              </p>
            ) : (
              <p id="route-targets-hint" className="text-xs text-muted-foreground">
                One upstream base URL a line; requests are balanced across them.
              </p>
            )}
          </div>
          <div className="grid gap-4 sm:grid-cols-3">
            {number('cost', 'Cost', '1', 'Units a request counts')}
            {number('timeoutMs', 'Timeout (ms)', 'Gateway default')}
            {number('retries', 'Retries', '0', 'Idempotent requests only')}
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            {number('ejectAfterFailures', 'Eject after failures', String(DEFAULT_EJECT_AFTER_FAILURES))}
            {number('ejectCooldownMs', 'Eject for (ms)', String(DEFAULT_EJECT_COOLDOWN_MS))}
          </div>
          <div className="flex flex-wrap gap-6">
            <div className="flex items-center gap-2">
              <Switch
                id="route-strip-prefix"
                checked={values.stripPrefix}
                onCheckedChange={(stripPrefix) => setValues({ ...values, stripPrefix })}
              />
              <Label htmlFor="route-strip-prefix">Strip the prefix</Label>
            </div>
            <div className="flex items-center gap-2">
              <Switch
                id="route-enabled"
                checked={values.enabled}
                onCheckedChange={(enabled) => setValues({ ...values, enabled })}
              />
              <Label htmlFor="route-enabled">Enabled</Label>
            </div>
          </div>
          <FormErrors
            error={error}
            knownPaths={error?.fieldErrors.map((e) => e.path).filter((p) => isPathUnder(p, FIELDS)) ?? []}
          />
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending && <Loader2 className="animate-spin" aria-hidden />}
              {editing ? 'Save changes' : 'Create route'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
