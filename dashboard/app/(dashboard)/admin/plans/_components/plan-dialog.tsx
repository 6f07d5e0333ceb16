'use client';

import { type CreatePlanRequest, MAX_PLAN_WINDOWS, type Plan, type WINDOW_SCOPES, WINDOW_UNITS } from '@gateway/shared';
import { Loader2, Plus, X } from 'lucide-react';
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
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Switch } from '@/components/ui/switch';
import { type ApiError, isPathUnder } from '@/lib/api-error';
import { FormErrors } from '../../../keys/_components/form-errors';
import { numberOf } from '../../_components/number-field';
import { useEditorDialog } from '../../_components/use-editor-dialog';

type Unit = (typeof WINDOW_UNITS)[number];
type Scope = (typeof WINDOW_SCOPES)[number];

interface WindowValues {
  unit: Unit;
  limit: string;
  scope: Scope;
  shadow: boolean;
}

interface PlanFormValues {
  name: string;
  description: string;
  timeZone: string;
  windows: WindowValues[];
}

const EMPTY: PlanFormValues = {
  name: '',
  description: '',
  timeZone: 'UTC',
  windows: [{ unit: 'minute', limit: '', scope: 'key', shadow: false }],
};

const FIELDS = ['name', 'description', 'timeZone', 'windows'] as const;

function valuesOf(plan: Plan): PlanFormValues {
  return {
    name: plan.name,
    description: plan.description ?? '',
    timeZone: plan.timeZone,
    windows: plan.windows.map((w) => ({ ...w, limit: String(w.limit) })),
  };
}

function requestOf(values: PlanFormValues): CreatePlanRequest {
  return {
    name: values.name,
    description: values.description.trim() === '' ? null : values.description,
    timeZone: values.timeZone,
    // An empty limit goes as-is (NaN → null in JSON) for the API to name the field.
    windows: values.windows.map((w) => ({
      unit: w.unit,
      limit: numberOf(w.limit) ?? (null as unknown as number),
      scope: w.scope,
      shadow: w.shadow,
    })),
  };
}

const WINDOW_FIELD_LABELS: Record<string, string> = { unit: 'Per', limit: 'Limit', scope: 'Counts', shadow: 'Shadow' };

/** The API's messages for one window row: `windows.2.limit` → "Limit must be at least 1". */
function windowError(error: ApiError | null, index: number): string | undefined {
  const messages = (error?.fieldErrors ?? [])
    .filter((e) => e.path === `windows.${index}` || e.path.startsWith(`windows.${index}.`))
    .map((e) => {
      const field = e.path.split('.')[2];
      return field ? `${WINDOW_FIELD_LABELS[field] ?? field} ${e.message}` : `Window ${e.message}`;
    });
  return messages.length > 0 ? messages.join('; ') : undefined;
}

interface PlanDialogProps {
  /** `'new'` creates; a plan edits it; null is closed. */
  plan: Plan | 'new' | null;
  onClose(): void;
  onSaved(plan: Plan): void;
}

export function PlanDialog({ plan, onClose, onSaved }: PlanDialogProps) {
  const gateway = useGateway();
  const { values, setValues, pending, error, editing, onSubmit } = useEditorDialog({
    item: plan,
    empty: EMPTY,
    valuesOf,
    requestOf,
    create: (body) => gateway.createPlan(body),
    update: (existing, changes) => gateway.updatePlan(existing.id, changes),
    onSaved,
    onClose,
  });

  const setWindow = (index: number, change: Partial<WindowValues>) =>
    setValues({ ...values, windows: values.windows.map((w, i) => (i === index ? { ...w, ...change } : w)) });
  const windowsError = error?.fieldError('windows');

  return (
    <Dialog open={plan !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="sm:max-w-2xl">
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{editing ? `Edit plan “${editing.name}”` : 'Create plan'}</DialogTitle>
            <DialogDescription>
              A named set of rate-limit windows. Changing a plan changes every key on it at once.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField
              id="plan-name"
              label="Name"
              placeholder="pro"
              value={values.name}
              onChange={(event) => setValues({ ...values, name: event.target.value })}
              error={error?.fieldError('name')}
              hint="Lower-case letters, digits and dashes."
            />
            <FormField
              id="plan-time-zone"
              label="Time zone"
              placeholder="UTC"
              value={values.timeZone}
              onChange={(event) => setValues({ ...values, timeZone: event.target.value })}
              error={error?.fieldError('timeZone')}
              hint="Where day and month windows start (IANA name)."
            />
          </div>
          <FormField
            id="plan-description"
            label="Description"
            placeholder="Optional"
            value={values.description}
            onChange={(event) => setValues({ ...values, description: event.target.value })}
            error={error?.fieldError('description')}
          />
          <fieldset className="grid gap-3">
            <legend className="mb-2 text-sm font-medium">Windows</legend>
            {values.windows.map((w, index) => {
              const rowError = windowError(error, index);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no identity of their own
                <div key={index} className="grid gap-1" data-testid="window-row">
                  <div className="grid grid-cols-2 items-end gap-2 sm:grid-cols-[1fr_1fr_1fr_auto_auto]">
                    <div className="grid gap-1">
                      <Label htmlFor={`window-${index}-unit`} className="text-xs">
                        Per
                      </Label>
                      <NativeSelect
                        id={`window-${index}-unit`}
                        value={w.unit}
                        onChange={(event) => setWindow(index, { unit: event.target.value as Unit })}
                      >
                        {WINDOW_UNITS.map((unit) => (
                          <option key={unit} value={unit}>
                            {unit}
                          </option>
                        ))}
                      </NativeSelect>
                    </div>
                    <div className="grid gap-1">
                      <Label htmlFor={`window-${index}-limit`} className="text-xs">
                        Limit
                      </Label>
                      <Input
                        id={`window-${index}-limit`}
                        type="number"
                        inputMode="numeric"
                        step={1}
                        value={w.limit}
                        onChange={(event) => setWindow(index, { limit: event.target.value })}
                        aria-invalid={rowError ? true : undefined}
                      />
                    </div>
                    <div className="grid gap-1">
                      <Label htmlFor={`window-${index}-scope`} className="text-xs">
                        Counts
                      </Label>
                      <NativeSelect
                        id={`window-${index}-scope`}
                        value={w.scope}
                        onChange={(event) => setWindow(index, { scope: event.target.value as Scope })}
                      >
                        <option value="key">each key</option>
                        <option value="owner">owner's keys together</option>
                      </NativeSelect>
                    </div>
                    <div className="flex h-9 items-center gap-2">
                      <Switch
                        id={`window-${index}-shadow`}
                        checked={w.shadow}
                        onCheckedChange={(shadow) => setWindow(index, { shadow })}
                      />
                      <Label htmlFor={`window-${index}-shadow`} className="text-xs">
                        Shadow
                      </Label>
                    </div>
                    <Button
                      type="button"
                      variant="ghost"
                      size="icon-sm"
                      className="mb-1 justify-self-end"
                      disabled={values.windows.length === 1}
                      onClick={() => setValues({ ...values, windows: values.windows.filter((_, i) => i !== index) })}
                      aria-label={`Remove window ${index + 1}`}
                      title="Remove window"
                    >
                      <X aria-hidden />
                    </Button>
                  </div>
                  {rowError && <p className="text-sm text-destructive">{rowError}</p>}
                </div>
              );
            })}
            {windowsError && <p className="text-sm text-destructive">Windows {windowsError}</p>}
            <Button
              type="button"
              variant="outline"
              size="sm"
              className="w-fit"
              disabled={values.windows.length >= MAX_PLAN_WINDOWS}
              onClick={() =>
                setValues({
                  ...values,
                  windows: [...values.windows, { unit: 'day', limit: '', scope: 'key', shadow: false }],
                })
              }
            >
              <Plus aria-hidden /> Add window
            </Button>
            <p className="text-xs text-muted-foreground">
              Second, minute and hour windows slide; day and month windows are calendar quotas in the plan's time zone.
              Shadow windows are counted and reported but never refuse a request.
            </p>
          </fieldset>
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
              {editing ? 'Save changes' : 'Create plan'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
