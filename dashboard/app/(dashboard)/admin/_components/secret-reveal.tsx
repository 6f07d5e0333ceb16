import { TriangleAlert } from 'lucide-react';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { CopyButton } from '../../keys/_components/copy-button';

/** A freshly created secret, shown once with a copy button (the gateway keeps only its hash). */
export function SecretReveal({ id, label, value, what }: { id: string; label: string; value: string; what: string }) {
  return (
    <>
      <Alert variant="warning">
        <TriangleAlert aria-hidden />
        <AlertTitle>You won't see this {what} again</AlertTitle>
        <AlertDescription>
          Copy it now and store it somewhere safe. The gateway keeps only a hash of it.
        </AlertDescription>
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
