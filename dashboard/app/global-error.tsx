'use client';

import './globals.css';

/** The last resort when the root layout itself fails: it replaces `<html>`, so it brings its own. */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col items-center justify-center gap-4 p-6 text-center font-sans">
        <h1 className="text-2xl font-semibold">The dashboard failed to load</h1>
        <p className="text-sm text-muted-foreground">
          Reload the page; if it keeps failing, check the dashboard's logs.
        </p>
        <button type="button" className="rounded-md border px-4 py-2 text-sm" onClick={reset}>
          Try again
        </button>
      </body>
    </html>
  );
}
