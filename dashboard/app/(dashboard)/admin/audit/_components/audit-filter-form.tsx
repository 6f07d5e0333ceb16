'use client';

import { AUDIT_ACTIONS } from '@gateway/shared';
import { Filter, Loader2, X } from 'lucide-react';
import type { FormEvent } from 'react';
import { FormField } from '@/components/form-field';
import { Button } from '@/components/ui/button';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import type { ApiError } from '@/lib/api-error';
import type { AuditFilterValues } from './audit-query';

interface AuditFilterFormProps {
  values: AuditFilterValues;
  onChange(values: AuditFilterValues): void;
  onApply(): void;
  onClear(): void;
  pending: boolean;
  /** The gateway's field errors (paths of `GET /audit`'s query) and local ones, keyed by query name. */
  error: ApiError | undefined;
  localErrors: Partial<Record<'userId', string>>;
}

export function AuditFilterForm({
  values,
  onChange,
  onApply,
  onClear,
  pending,
  error,
  localErrors,
}: AuditFilterFormProps) {
  const set = (name: keyof AuditFilterValues) => (event: { target: { value: string } }) =>
    onChange({ ...values, [name]: event.target.value });
  const actionError = error?.fieldError('action');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply();
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-4" aria-label="Filter audit entries">
      <div className="grid items-start gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <div className="grid gap-2">
          <Label htmlFor="audit-action">Action</Label>
          <NativeSelect
            id="audit-action"
            value={values.action}
            onChange={set('action')}
            aria-invalid={actionError ? true : undefined}
          >
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </NativeSelect>
          {actionError && <p className="text-sm text-destructive">Action {actionError}</p>}
        </div>
        <FormField
          id="audit-user"
          label="User"
          placeholder="Email or user id"
          autoComplete="off"
          value={values.user}
          onChange={set('user')}
          hint="Entries by this user or about their account and keys"
          error={localErrors.userId ?? error?.fieldError('userId')}
        />
        <FormField
          id="audit-actor"
          label="Actor id"
          placeholder="Who acted (user or token id)"
          autoComplete="off"
          value={values.actor}
          onChange={set('actor')}
          error={error?.fieldError('actorId')}
        />
        <FormField
          id="audit-target"
          label="Target id"
          placeholder="What was changed (key, user, token id)"
          autoComplete="off"
          value={values.target}
          onChange={set('target')}
          error={error?.fieldError('targetId')}
        />
        <FormField
          id="audit-from"
          label="From"
          type="datetime-local"
          value={values.from}
          onChange={set('from')}
          error={error?.fieldError('from')}
        />
        <FormField
          id="audit-to"
          label="To"
          type="datetime-local"
          value={values.to}
          onChange={set('to')}
          error={error?.fieldError('to')}
        />
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : <Filter aria-hidden />}
          Apply filters
        </Button>
        <Button variant="ghost" onClick={onClear}>
          <X aria-hidden /> Clear
        </Button>
      </div>
    </form>
  );
}
