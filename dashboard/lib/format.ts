// One clock everywhere: 24-hour (`h23`, never "24:05" as `hour12: false` can give), English month names.
const CLOCK = { hourCycle: 'h23' } as const;
const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', ...CLOCK });
const logTime = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  ...CLOCK,
});
const clockTime = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', ...CLOCK });
const clockSeconds = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', second: '2-digit', ...CLOCK });
const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const number = new Intl.NumberFormat('en');
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

type Instant = string | number | Date;

/** "Nov 26, 2026, 14:05". */
export function formatDateTime(at: Instant): string {
  return dateTime.format(new Date(at));
}

/** Second precision for log rows: requests arrive many per minute. "Nov 26, 14:05:09". */
export function formatLogTime(at: Instant): string {
  return logTime.format(new Date(at));
}

/** An instant that is soon or just past, e.g. a webhook's next attempt: "14:05:09" today, else as a log row. */
export function formatSoon(at: Instant, now: number = Date.now()): string {
  const date = new Date(at);
  return date.toDateString() === new Date(now).toDateString() ? clockSeconds.format(date) : formatLogTime(date);
}

/** "14:05" for chart axes within a day. */
export function formatClock(at: Instant): string {
  return clockTime.format(new Date(at));
}

/** "Nov 26" for chart axes spanning days. */
export function formatDay(at: Instant): string {
  return day.format(new Date(at));
}

/**
 * `part` of `total` as a percentage with at most one decimal: "0%", "34%", "34.5%", "100%". A share that
 * is not zero never reads "0%" ("<0.1%"), one short of all never "100%" (">99.9%"). No total: null, so
 * the caller says "No requests" instead of a made-up "0%".
 */
export function formatPercent(part: number, total: number): string | null {
  if (total <= 0) return null;
  const share = part / total;
  if (share > 0 && share < 0.001) return '<0.1%';
  if (share < 1 && share > 0.999) return '>99.9%';
  return percent.format(share);
}

/** A chart bucket in words: "1 min", "15 min", "1 h", "6 h", "1 day", "7 days". */
export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1 day' : `${seconds / 86_400} days`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  return `${Math.round(seconds / 60)} min`;
}

export function formatNumber(value: number): string {
  return number.format(value);
}

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB'] as const;
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Decimal units, as transfer volumes are usually given: "512 B", "1.5 kB", "12.3 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${formatNumber(bytes)} B`;
  let value = bytes;
  let unit = 'B';
  for (const next of BYTE_UNITS) {
    if (value < 999.95) break; // what would round to "1,000" moves up a unit
    value /= 1000;
    unit = next;
  }
  return `${oneDecimal.format(value)} ${unit}`;
}

/** "just now", "5 minutes ago", "yesterday"… for last-used style columns. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** "2 d 03:04:05", "03:04:05", "00:00:09": time left until the old secret stops working. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor((total % 86_400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days} d ${clock}` : clock;
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${formatNumber(Math.round(ms))} ms`;
}

/** Form input → limit: empty means "not given", anything else is sent as typed for the API to judge. */
export function parseLimit(value: string): number | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/** A key's own limit, or "plan" when the key has none and its plan's window applies. */
export function formatLimit(value: number | null): string {
  return value === null ? 'plan' : formatNumber(value);
}
