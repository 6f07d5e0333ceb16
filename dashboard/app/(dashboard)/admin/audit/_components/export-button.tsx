'use client';

import { Download, Loader2 } from 'lucide-react';
import { useState } from 'react';
import { useGateway } from '@/components/gateway-provider';
import { Button } from '@/components/ui/button';
import { toApiError } from '@/lib/api-error';
import type { AuditParams } from '@/lib/gateway-client';

/**
 * Downloads `GET /audit/export` with the current filters. The export needs the session cookie of the
 * gateway's origin, so it is fetched (with credentials) and handed to the browser as a blob.
 */
export function ExportButton({ filters }: { filters: AuditParams }) {
  const gateway = useGateway();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function download() {
    setPending(true);
    setError(null);
    try {
      const blob = await gateway.exportAudit(filters);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `audit-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.ndjson`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (caught) {
      setError(toApiError(caught).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col items-end gap-1">
      <Button variant="outline" onClick={download} disabled={pending}>
        {pending ? <Loader2 className="animate-spin" aria-hidden /> : <Download aria-hidden />}
        Export NDJSON
      </Button>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          Export failed: {error}
        </p>
      )}
    </div>
  );
}
