'use client';

import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';

/** Copies `value`; falls back to selecting `fallbackInputId` where the Clipboard API is unavailable. */
export function CopyButton({ value, fallbackInputId }: { value: string; fallbackInputId: string }) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      const input = document.getElementById(fallbackInputId);
      if (input instanceof HTMLInputElement) {
        input.select();
        setCopied(document.execCommand('copy'));
      }
    }
  }

  return (
    <Button variant="outline" onClick={copy}>
      {copied ? <Check aria-hidden /> : <Copy aria-hidden />}
      <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
    </Button>
  );
}
