'use client';

import type { WebhookEventType } from '@gateway/shared';
import { FormField } from '@/components/form-field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import type { ApiError } from '@/lib/api-error';
import { EVENT_DESCRIPTIONS, subscribableEvents } from './webhook-events';

export interface WebhookFormValues {
  url: string;
  description: string;
  /** 'all': an empty `events` list, which also receives types added later. */
  eventMode: 'all' | 'selected';
  events: WebhookEventType[];
}

export const EMPTY_WEBHOOK_FORM: WebhookFormValues = { url: '', description: '', eventMode: 'all', events: [] };

/** The inputs whose API errors these fields show; others go to `FormErrors`. */
export const WEBHOOK_FORM_PATHS = ['url', 'description', 'events'] as const;

const EVENT_MODES = [
  { value: 'all', label: 'All events' },
  { value: 'selected', label: 'Selected events' },
] as const;

/** The events to send: none means all the endpoint may receive. */
export function eventsOf(values: WebhookFormValues): WebhookEventType[] {
  return values.eventMode === 'all' ? [] : values.events;
}

/** "Selected events" with nothing ticked would silently mean "all": asked for before sending. */
export function eventsMissing(values: WebhookFormValues): boolean {
  return values.eventMode === 'selected' && values.events.length === 0;
}

interface WebhookFormFieldsProps {
  idPrefix: string;
  values: WebhookFormValues;
  onChange(values: WebhookFormValues): void;
  error: ApiError | null;
  /** Platform endpoints may also pick the platform's own `ratelimit.*` events. */
  platform: boolean;
  showEventsMissing: boolean;
}

/** URL, description and event types of an endpoint, with the gateway's message under each field. */
export function WebhookFormFields({
  idPrefix,
  values,
  onChange,
  error,
  platform,
  showEventsMissing,
}: WebhookFormFieldsProps) {
  const eventsError = showEventsMissing && eventsMissing(values) ? 'choose at least one' : error?.fieldError('events');
  const toggle = (type: WebhookEventType, on: boolean) =>
    onChange({ ...values, events: on ? [...values.events, type] : values.events.filter((t) => t !== type) });

  return (
    <div className="grid gap-4">
      <FormField
        id={`${idPrefix}-url`}
        label="Endpoint URL"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://example.com/webhooks"
        hint="The gateway POSTs signed JSON events here. Public addresses only."
        value={values.url}
        onChange={(event) => onChange({ ...values, url: event.target.value })}
        error={error?.fieldError('url')}
      />
      <FormField
        id={`${idPrefix}-description`}
        label="Description"
        autoComplete="off"
        placeholder="e.g. Billing service"
        hint="Optional: what receives these events."
        value={values.description}
        onChange={(event) => onChange({ ...values, description: event.target.value })}
        error={error?.fieldError('description')}
      />
      <div className="grid gap-2">
        <span className="text-sm font-medium leading-none" aria-hidden>
          Events
        </span>
        <SegmentedControl
          legend="Events"
          options={EVENT_MODES}
          value={values.eventMode}
          onChange={(eventMode) => onChange({ ...values, eventMode })}
        />
        {values.eventMode === 'all' ? (
          <p className="text-xs text-muted-foreground">
            Every event this endpoint may receive, including types added later.
          </p>
        ) : (
          <fieldset
            className="grid gap-2 rounded-md border p-3 sm:grid-cols-2"
            aria-invalid={eventsError ? true : undefined}
            aria-describedby={eventsError ? `${idPrefix}-events-error` : undefined}
          >
            <legend className="sr-only">Event types</legend>
            {subscribableEvents(platform).map((type) => (
              <label key={type} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 shrink-0 accent-primary"
                  checked={values.events.includes(type)}
                  onChange={(event) => toggle(type, event.target.checked)}
                />
                <span className="grid gap-0.5">
                  <code className="font-mono text-xs">{type}</code>
                  <span className="text-xs text-muted-foreground">{EVENT_DESCRIPTIONS[type]}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {eventsError && (
          <p id={`${idPrefix}-events-error`} className="text-sm text-destructive">
            Events {eventsError}
          </p>
        )}
      </div>
    </div>
  );
}
