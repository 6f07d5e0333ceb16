'use client';

import { type FormEvent, useEffect, useState } from 'react';
import { type ApiError, toApiError } from '@/lib/api-error';
import { changedFields } from './number-field';

interface EditorDialogOptions<Item, Values, Body extends object> {
  /** `'new'` creates; an item edits it; null is closed. */
  item: Item | 'new' | null;
  empty: Values;
  valuesOf(item: Item): Values;
  requestOf(values: Values): Body;
  create(body: Body): Promise<Item>;
  /** Gets only the fields that changed (a PATCH); not called when nothing did. */
  update(item: Item, changes: Partial<Body>): Promise<Item>;
  onSaved(item: Item): void;
  onClose(): void;
}

/**
 * The state and submit logic of a create-or-edit dialog (routes, plans): the form's values reset
 * whenever the dialog opens on another item, an edit sends only what changed, and the gateway's
 * problem (with its field errors) is kept for the form to show.
 */
export function useEditorDialog<Item, Values, Body extends object>(options: EditorDialogOptions<Item, Values, Body>) {
  const { item, empty, valuesOf, requestOf } = options;
  const [values, setValues] = useState<Values>(empty);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const editing = item !== null && item !== 'new' ? item : null;

  useEffect(() => {
    setValues(item !== null && item !== 'new' ? valuesOf(item) : empty);
    setError(null);
  }, [item, empty, valuesOf]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const body = requestOf(values);
      if (editing) {
        const changes = changedFields(requestOf(valuesOf(editing)), body);
        if (Object.keys(changes).length === 0) return options.onClose();
        options.onSaved(await options.update(editing, changes));
      } else {
        options.onSaved(await options.create(body));
      }
      options.onClose();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setPending(false);
    }
  }

  return { values, setValues, pending, error, editing, onSubmit };
}
