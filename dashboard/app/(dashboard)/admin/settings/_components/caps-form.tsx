'use client';

import type { Settings, SettingsResponse, UpdateSettingsRequest } from '@gateway/shared';
import { Check, Loader2 } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { FormField } from '@/components/form-field';
import { useGateway } from '@/components/gateway-provider';
import { Button } from '@/components/ui/button';
import { CardContent, CardFooter } from '@/components/ui/card';
import { type ApiError, toApiError } from '@/lib/api-error';
import { parseLimit } from '@/lib/format';
import { FormErrors } from '../../../keys/_components/form-errors';

type Field = keyof Settings;
type Values = Record<Field, string>;

const FIELDS: { name: Field; label: string; hint: string }[] = [
  {
    name: 'maxKeysPerUser',
    label: 'Keys per user',
    hint: 'How many keys a user may create for themselves. 0 lets only admins create keys.',
  },
  {
    name: 'maxLimitPerMinute',
    label: 'Highest limit per minute',
    hint: 'The most requests per minute a user may give one of their keys.',
  },
  {
    name: 'maxLimitPerDay',
    label: 'Highest limit per day',
    hint: 'The most requests per day a user may give one of their keys.',
  },
];

const valuesOf = (settings: Settings): Values => ({
  maxKeysPerUser: String(settings.maxKeysPerUser),
  maxLimitPerMinute: String(settings.maxLimitPerMinute),
  maxLimitPerDay: String(settings.maxLimitPerDay),
});

/** The consumer caps; only changed fields are sent, and the API's field errors show under their inputs. */
export function CapsForm({ settings, onSaved }: { settings: Settings; onSaved(settings: SettingsResponse): void }) {
  const gateway = useGateway();
  const [values, setValues] = useState(() => valuesOf(settings));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [required, setRequired] = useState<Partial<Record<Field, string>>>({});

  const changes: UpdateSettingsRequest = {};
  for (const { name } of FIELDS) {
    const value = parseLimit(values[name]);
    if (value !== undefined && value !== settings[name]) changes[name] = value;
  }
  const dirty = Object.keys(changes).length > 0;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const empty = Object.fromEntries(
      FIELDS.filter(({ name }) => values[name].trim() === '').map(({ name }) => [name, 'is required']),
    );
    setRequired(empty);
    if (Object.keys(empty).length > 0 || !dirty) return;
    setPending(true);
    setError(null);
    setSaved(false);
    try {
      const next = await gateway.updateSettings(changes);
      onSaved(next);
      setValues(valuesOf(next));
      setSaved(true);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-6">
      <CardContent className="grid gap-5">
        {FIELDS.map(({ name, label, hint }) => (
          <FormField
            key={name}
            id={`settings-${name}`}
            label={label}
            type="number"
            inputMode="numeric"
            step={1}
            min={name === 'maxKeysPerUser' ? 0 : 1}
            className="max-w-48"
            value={values[name]}
            onChange={(event) => {
              setSaved(false);
              setValues({ ...values, [name]: event.target.value });
            }}
            hint={hint}
            error={required[name] ?? error?.fieldError(name)}
          />
        ))}
        <FormErrors error={error} knownPaths={FIELDS.map((f) => f.name)} />
      </CardContent>
      <CardFooter className="gap-3 border-t pt-6">
        <Button type="submit" disabled={pending || !dirty}>
          {pending && <Loader2 className="animate-spin" aria-hidden />}
          Save changes
        </Button>
        <Button variant="ghost" disabled={pending || !dirty} onClick={() => setValues(valuesOf(settings))}>
          Reset
        </Button>
        <span role="status" className="flex items-center gap-1.5 text-sm text-muted-foreground">
          {saved && (
            <>
              <Check className="size-4 text-success" aria-hidden /> Saved
            </>
          )}
        </span>
      </CardFooter>
    </form>
  );
}
