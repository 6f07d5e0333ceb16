import { MAX_KEY_NAME_LENGTH } from '@gateway/shared';
import { FormField } from '@/components/form-field';
import type { ApiError } from '@/lib/api-error';

export interface KeyFormValues {
  name: string;
  limitPerMinute: string;
  limitPerDay: string;
}

export const KEY_FORM_PATHS = ['name', 'limitPerMinute', 'limitPerDay'] as const;

interface KeyFormFieldsProps {
  idPrefix: string;
  values: KeyFormValues;
  onChange(values: KeyFormValues): void;
  error: ApiError | null;
  /** Local messages (e.g. "is required") take precedence over the API's. */
  localErrors?: Partial<Record<keyof KeyFormValues, string>>;
  /** Shown under each limit while it has no error, e.g. the consumer caps. */
  limitHints?: Partial<Record<'limitPerMinute' | 'limitPerDay', string>>;
}

/** Name and limit inputs shared by the create and edit dialogs; messages come from the API's problem+json. */
export function KeyFormFields({
  idPrefix,
  values,
  onChange,
  error,
  localErrors = {},
  limitHints = {},
}: KeyFormFieldsProps) {
  const messageFor = (path: keyof KeyFormValues) => localErrors[path] ?? error?.fieldError(path);
  return (
    <div className="grid gap-4">
      <FormField
        id={`${idPrefix}-name`}
        label="Name"
        placeholder="e.g. Production backend"
        maxLength={MAX_KEY_NAME_LENGTH + 20}
        value={values.name}
        onChange={(event) => onChange({ ...values, name: event.target.value })}
        error={messageFor('name')}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField
          id={`${idPrefix}-limit-minute`}
          label="Requests per minute"
          type="number"
          inputMode="numeric"
          step={1}
          placeholder="Default"
          value={values.limitPerMinute}
          onChange={(event) => onChange({ ...values, limitPerMinute: event.target.value })}
          error={messageFor('limitPerMinute')}
          hint={limitHints.limitPerMinute}
        />
        <FormField
          id={`${idPrefix}-limit-day`}
          label="Requests per day"
          type="number"
          inputMode="numeric"
          step={1}
          placeholder="Default"
          value={values.limitPerDay}
          onChange={(event) => onChange({ ...values, limitPerDay: event.target.value })}
          error={messageFor('limitPerDay')}
          hint={limitHints.limitPerDay}
        />
      </div>
    </div>
  );
}
