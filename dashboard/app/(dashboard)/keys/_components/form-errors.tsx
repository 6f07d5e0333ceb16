import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import type { ApiError } from '@/lib/api-error';

/** The part of an API error that no input shows: network failures, non-field problems, unknown fields. */
export function FormErrors({
  error,
  knownPaths,
  gatewayUrl,
}: {
  error: ApiError | null;
  knownPaths: readonly string[];
  gatewayUrl: string;
}) {
  if (!error) return null;
  const others = error.otherFieldErrors(knownPaths);
  const shownByFields = error.fieldErrors.length > 0 && others.length === 0;
  if (shownByFields) return null;
  return (
    <Alert variant="destructive">
      <AlertTitle>
        {error.originRefused
          ? 'This address is not allowed by the gateway'
          : error.isNetwork
            ? "Can't reach the gateway"
            : (error.problem?.title ?? 'Request failed')}
      </AlertTitle>
      <AlertDescription>
        {error.isNetwork && !error.originRefused ? (
          <p>No answer from {gatewayUrl}. Check that the gateway is running, then try again.</p>
        ) : others.length > 0 ? (
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
