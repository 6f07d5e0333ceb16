'use client';

import type { ApiKey, KeyScope, Plan } from '@gateway/shared';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Textarea } from '@/components/ui/textarea';
import { type ApiError, isPathUnder, listFieldError } from '@/lib/api-error';

/** The access part of the key form: scopes and allow-list as text (one entry a line), the plan for admins. */
export interface KeyAccessValues {
  /** A plan id, or '' for none. */
  planId: string;
  /** One route a line, optionally followed by methods: `orders GET POST`. Empty: every route. */
  scopes: string;
  /** One address or CIDR subnet a line. Empty: every address. */
  allowedIps: string;
}

export const KEY_ACCESS_PATHS_PREFIXES = ['planId', 'scopes', 'allowedIps'] as const;

export function accessValuesOf(key: ApiKey): KeyAccessValues {
  return {
    planId: key.planId ?? '',
    scopes: (key.scopes ?? []).map((s) => [s.route, ...(s.methods ?? [])].join(' ')).join('\n'),
    allowedIps: (key.allowedIps ?? []).join('\n'),
  };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** Text → `scopes`: null when empty; methods are upper-cased and left to the API to judge. */
export function scopesOf(text: string): KeyScope[] | null {
  const entries = lines(text).map((line) => {
    const [route = '', ...methods] = line.split(/[\s,]+/).filter(Boolean);
    return methods.length > 0
      ? ({ route, methods: methods.map((m) => m.toUpperCase()) } as KeyScope)
      : ({ route } as KeyScope);
  });
  return entries.length === 0 ? null : entries;
}

export function allowedIpsOf(text: string): string[] | null {
  const entries = lines(text);
  return entries.length === 0 ? null : entries;
}

/** Whether an API error path belongs to one of these fields (so the form does not repeat it). */
export function isAccessPath(path: string): boolean {
  return isPathUnder(path, KEY_ACCESS_PATHS_PREFIXES);
}

interface KeyAccessFieldsProps {
  idPrefix: string;
  values: KeyAccessValues;
  onChange(values: KeyAccessValues): void;
  error: ApiError | null;
  /** Admins choose the plan; null hides the select (consumers). */
  plans: Plan[] | null;
  restrictedByAdmin: boolean;
}

export function KeyAccessFields({ idPrefix, values, onChange, error, plans, restrictedByAdmin }: KeyAccessFieldsProps) {
  const field = (name: 'scopes' | 'allowedIps', label: string, placeholder: string, hint: string) => {
    const id = `${idPrefix}-${name}`;
    const message = listFieldError(error, name);
    return (
      <div className="grid content-start gap-2">
        <Label htmlFor={id}>{label}</Label>
        <Textarea
          id={id}
          rows={3}
          placeholder={placeholder}
          value={values[name]}
          onChange={(event) => onChange({ ...values, [name]: event.target.value })}
          aria-invalid={message ? true : undefined}
          aria-describedby={`${id}-${message ? 'error' : 'hint'}`}
          className="font-mono text-xs md:text-xs"
          spellCheck={false}
        />
        {message ? (
          <p id={`${id}-error`} className="text-sm text-destructive">
            {label}: {message}
          </p>
        ) : (
          <p id={`${id}-hint`} className="text-xs text-muted-foreground">
            {hint}
          </p>
        )}
      </div>
    );
  };
  const planError = error?.fieldError('planId');
  return (
    <div className="grid gap-4">
      {plans && (
        <div className="grid content-start gap-2">
          <Label htmlFor={`${idPrefix}-plan`}>Plan</Label>
          <NativeSelect
            id={`${idPrefix}-plan`}
            value={values.planId}
            onChange={(event) => onChange({ ...values, planId: event.target.value })}
            aria-invalid={planError ? true : undefined}
          >
            <option value="">No plan (the key's own limits)</option>
            {plans.map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name}
              </option>
            ))}
          </NativeSelect>
          {planError ? (
            <p className="text-sm text-destructive">Plan {planError}</p>
          ) : (
            <p className="text-xs text-muted-foreground">
              On a plan, the limits above are optional overrides of its key minute and day windows.
            </p>
          )}
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        {field(
          'scopes',
          'Routes it may call',
          'orders GET POST\nsearch',
          'One route a line, optionally with methods. Empty: every route.',
        )}
        {field(
          'allowedIps',
          'Client addresses',
          '203.0.113.0/24\n2001:db8::/32',
          'One address or subnet a line. Empty: any address.',
        )}
      </div>
      {restrictedByAdmin && !plans && (
        <p className="text-xs text-muted-foreground">
          An administrator set these restrictions: you may narrow them, not widen or clear them.
        </p>
      )}
    </div>
  );
}
