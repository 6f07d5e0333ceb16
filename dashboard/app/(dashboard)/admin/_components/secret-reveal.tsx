import { TriangleAlert } from 'lucide-react';
import type { ReactNode } from 'react';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { CopyButton } from '../../keys/_components/copy-button';

/**
 * A freshly created secret, shown once with a copy button. `note` says how the gateway keeps it (by
 * default: only its hash; a webhook signing secret must stay readable to the gateway, so it is sealed).
 */
export function SecretReveal({
  id,
  label,
  value,
  what,
  note = 'The gateway keeps only a hash of it.',
}: {
  id: string;
  label: string;
  value: string;
  what: string;
  note?: ReactNode;
}) {
  return (
    <>
      <Alert variant="warning">
        <TriangleAlert aria-hidden />
        <AlertTitle>You won't see this {what} again</AlertTitle>
        <AlertDescription>Copy it now and store it somewhere safe. {note}</AlertDescription>
      </Alert>
      <div className="grid gap-2">
        <Label htmlFor={id}>{label}</Label>
        <div className="flex gap-2">
          <Input
            id={id}
            readOnly
            value={value}
            className="font-mono text-sm"
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton value={value} fallbackInputId={id} />
        </div>
      </div>
    </>
  );
}
