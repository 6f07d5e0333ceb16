import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { type ApiError, errorTitle } from '@/lib/api-error';

/** The part of an API error that no input shows: network failures, non-field problems, unknown fields. */
export function FormErrors({ error, knownPaths }: { error: ApiError | null; knownPaths: readonly string[] }) {
  if (!error) return null;
  const others = error.otherFieldErrors(knownPaths);
  const shownByFields = error.fieldErrors.length > 0 && others.length === 0;
  if (shownByFields) return null;
  return (
    <Alert variant="destructive">
      <AlertTitle>{errorTitle(error, 'Request failed')}</AlertTitle>
      <AlertDescription>
        {!error.isNetwork && others.length > 0 ? (
          <ul className="list-inside list-disc">
            {others.map((e) => (
              <li key={e.path}>
                {e.path === '(body)' ? '' : `${e.path}: `}
                {e.message}
              </li>
            ))}
          </ul>
        ) : (
          <p>{error.message}</p>
        )}
      </AlertDescription>
    </Alert>
  );
}
