'use client';

import { useCallback, useRef } from 'react';

/**
 * Radix returns focus to a dialog's Trigger on close; our dialogs are often opened from state (a row's
 * button, an empty state), so remember whatever had focus when the dialog opened and go back to it.
 */
export function useReturnFocus() {
  const opener = useRef<HTMLElement | null>(null);
  const onOpenAutoFocus = useCallback(() => {
    opener.current ??= document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
  const onCloseAutoFocus = useCallback((event: Event) => {
    const target = opener.current;
    opener.current = null;
    if (target?.isConnected) {
      event.preventDefault();
      target.focus();
    }
  }, []);
  return { onOpenAutoFocus, onCloseAutoFocus };
}
