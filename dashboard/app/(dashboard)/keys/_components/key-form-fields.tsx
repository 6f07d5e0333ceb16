import { type CreateKeyRequest, MAX_KEY_NAME_LENGTH, type SettingsResponse } from '@gateway/shared';
import { FormField } from '@/components/form-field';
import { Button } from '@/components/ui/button';
import type { ApiError } from '@/lib/api-error';
import { formatNumber, parseLimit } from '@/lib/format';

export interface KeyFormValues {
  name: string;
  limitPerMinute: string;
  limitPerDay: string;
  /** A `datetime-local` value (local time, e.g. `2026-12-31T18:00`); empty: the key never expires. */
  expiresAt: string;
}

export const EMPTY_KEY_FORM: KeyFormValues = { name: '', limitPerMinute: '', limitPerDay: '', expiresAt: '' };

export const KEY_FORM_PATHS = ['name', 'limitPerMinute', 'limitPerDay', 'expiresAt'] as const;

/** The limits a new key gets when its fields are left empty (`GET /settings` → `keyDefaults`). */
export type KeyDefaults = SettingsResponse['keyDefaults'];

/** `datetime-local` value → ISO instant; empty → null ("never"). */
export function expiresAtOf(value: string): string | null {
  if (value.trim() === '') return null;
  const at = new Date(value);
  // An unparsable value goes to the API as typed, so its message appears under the field.
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

/** ISO instant → `datetime-local` value in the browser's time zone; null → empty. */
export function expiryInputOf(iso: string | null): string {
  if (!iso) return '';
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The body of `POST /keys` for the create dialogs: empty fields are left to the gateway's defaults. */
export function createKeyRequestOf(values: KeyFormValues): CreateKeyRequest {
  return {
    name: values.name.trim() === '' ? undefined : values.name,
    limitPerMinute: parseLimit(values.limitPerMinute),
    limitPerDay: parseLimit(values.limitPerDay),
    expiresAt: expiresAtOf(values.expiresAt) ?? undefined,
  };
}

interface KeyFormFieldsProps {
  idPrefix: string;
  values: KeyFormValues;
  onChange(values: KeyFormValues): void;
  error: ApiError | null;
  /** Local messages (e.g. "is required") take precedence over the API's. */
  localErrors?: Partial<Record<keyof KeyFormValues, string>>;
  /** Shown under each limit while it has no error, e.g. the consumer caps. */
  limitHints?: Partial<Record<'limitPerMinute' | 'limitPerDay', string>>;
  /** Shown as the limits' placeholders ("60 (default)") where a field may be left empty. */
  defaults?: KeyDefaults | undefined;
}

/** Name, limit and expiry inputs shared by the create and edit dialogs; messages come from the API's problem+json. */
export function KeyFormFields({
  idPrefix,
  values,
  onChange,
  error,
  localErrors = {},
  limitHints = {},
  defaults,
}: KeyFormFieldsProps) {
  const messageFor = (path: keyof KeyFormValues) => localErrors[path] ?? error?.fieldError(path);
  const placeholder = (value: number | undefined) =>
    value === undefined ? 'Default' : `${formatNumber(value)} (default)`;
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
          placeholder={placeholder(defaults?.limitPerMinute)}
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
          placeholder={placeholder(defaults?.limitPerDay)}
          value={values.limitPerDay}
          onChange={(event) => onChange({ ...values, limitPerDay: event.target.value })}
          error={messageFor('limitPerDay')}
          hint={limitHints.limitPerDay}
        />
      </div>
      <FormField
        id={`${idPrefix}-expires`}
        label="Expires"
        type="datetime-local"
        value={values.expiresAt}
        onChange={(event) => onChange({ ...values, expiresAt: event.target.value })}
        error={messageFor('expiresAt')}
        hint="Your local time. Leave empty and the key never expires."
      />
      {values.expiresAt !== '' && (
        <Button
          type="button"
          variant="outline"
          size="sm"
          className="w-fit"
          onClick={() => onChange({ ...values, expiresAt: '' })}
        >
          Never expires
        </Button>
      )}
    </div>
  );
}
