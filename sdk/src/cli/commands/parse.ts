import { InvalidArgumentError } from 'commander';

/** `--data '{"scopes": …}'`: the request fields that have no option of their own. */
export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `minute:100`, `day:10000:owner`, `hour:500:key:shadow` → a plan window. */
export function parseWindow(
  value: string,
  previous: { unit: string; limit: number; scope: string; shadow: boolean }[] | undefined,
) {
  const match = /^(second|minute|hour|day|month):(\d+)(?::(key|owner))?(?::(shadow))?$/.exec(value);
  if (!match) {
    throw new InvalidArgumentError('must be unit:limit[:key|owner][:shadow], e.g. minute:100 or day:10000:owner');
  }
  const window = {
    unit: match[1] as string,
    limit: Number(match[2]),
    scope: match[3] ?? 'key',
    shadow: match[4] !== undefined,
  };
  return [...(previous ?? []), window];
}
