import { safeNext } from './safe-next';

// The mailed link carries only the email and the token, and it is often opened in another tab: the page
// that asked for it remembers here where the person wanted to go.
const STORAGE_KEY = 'gateway:sign-in-next';
const MAX_AGE_MS = 24 * 3600 * 1000;

interface PendingSignIn {
  email: string;
  next: string;
  at: number;
}

export function rememberNext(email: string, next: string | null): void {
  try {
    if (!next) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, JSON.stringify({ email: email.trim().toLowerCase(), next, at: Date.now() }));
  } catch {
    // Storage may be disabled: the sign-in still works, it just lands on the home page.
  }
}

/** The page asked for before the link was mailed to `email`, once (it is forgotten as it is read). */
export function takeNext(email: string): string | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    localStorage.removeItem(STORAGE_KEY);
    const pending = raw ? (JSON.parse(raw) as Partial<PendingSignIn>) : null;
    if (!pending || pending.email !== email.trim().toLowerCase()) return null;
    if (typeof pending.at !== 'number' || Date.now() - pending.at > MAX_AGE_MS) return null;
    return safeNext(pending.next);
  } catch {
    return null;
  }
}
