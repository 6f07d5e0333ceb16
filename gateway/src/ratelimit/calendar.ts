/*
 * Calendar windows (day, month) in an IANA time zone. A day is [local 00:00, next local 00:00): 23 or
 * 25 hours across a DST change; a month is [00:00 on the 1st, 00:00 on the next 1st). Window ids and
 * boundaries are computed here in JavaScript (never in Lua) and cached per zone: they change once a
 * day, so the per-request cost is two comparisons.
 */

const HOUR_MS = 3_600_000;
// UTC offsets lie within −12 h … +14 h: the local start of a civil date lies within ±15 h of its UTC start.
const SEARCH_SPAN_MS = 15 * HOUR_MS;

/** A calendar period: `id` is `YYYYMMDD` (day) or `YYYYMM` (month); [start, end) in epoch ms. */
export interface CalendarPeriod {
  id: number;
  start: number;
  end: number;
}

/** True for a time zone name this runtime knows (`Europe/Berlin`, `UTC`, …). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export class ZoneCalendar {
  private readonly format: Intl.DateTimeFormat | null;
  private day: CalendarPeriod = { id: 0, start: 0, end: 0 };
  private month: CalendarPeriod = { id: 0, start: 0, end: 0 };

  constructor(readonly timeZone: string) {
    const utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    this.format = utc
      ? null
      : new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  }

  /** The local day containing `now`. */
  dayAt(now: number): CalendarPeriod {
    const cached = this.day;
    if (now >= cached.start && now < cached.end) return cached;
    const ymd = this.civilDate(now);
    const y = Math.floor(ymd / 10_000);
    const m = Math.floor(ymd / 100) % 100;
    const d = ymd % 100;
    const period = { id: ymd, start: this.startOf(y, m, d), end: this.startOf(y, m, d + 1) };
    if (now >= period.start && now < period.end) this.day = period;
    return period;
  }

  /** The local month containing `now`. */
  monthAt(now: number): CalendarPeriod {
    const cached = this.month;
    if (now >= cached.start && now < cached.end) return cached;
    const ymd = this.civilDate(now);
    const y = Math.floor(ymd / 10_000);
    const m = Math.floor(ymd / 100) % 100;
    const period = { id: y * 100 + m, start: this.startOf(y, m, 1), end: this.startOf(y, m + 1, 1) };
    if (now >= period.start && now < period.end) this.month = period;
    return period;
  }

  /** The local calendar date at `t` as `YYYYMMDD`. */
  civilDate(t: number): number {
    if (this.format === null) {
      const date = new Date(t);
      return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
    }
    let y = 0;
    let m = 0;
    let d = 0;
    for (const part of this.format.formatToParts(t)) {
      if (part.type === 'year') y = Number(part.value);
      else if (part.type === 'month') m = Number(part.value);
      else if (part.type === 'day') d = Number(part.value);
    }
    return y * 10_000 + m * 100 + d;
  }

  /**
   * The first instant whose local date is on or after y-m-d (month and day may overflow: Date.UTC
   * normalises them, so the day after Feb 28 is Feb 29 in a leap year and Mar 1 otherwise). Where
   * local midnight does not exist (a DST gap at 00:00) the day starts when the gap ends.
   */
  startOf(y: number, m: number, d: number): number {
    const utcStart = Date.UTC(y, m - 1, d);
    if (this.format === null) return utcStart;
    const normal = new Date(utcStart);
    const target = normal.getUTCFullYear() * 10_000 + (normal.getUTCMonth() + 1) * 100 + normal.getUTCDate();
    // Binary search to the millisecond: civilDate(lo) < target <= civilDate(hi).
    let lo = utcStart - SEARCH_SPAN_MS;
    let hi = utcStart + SEARCH_SPAN_MS;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.civilDate(mid) >= target) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

const calendars = new Map<string, ZoneCalendar>();

/** The shared calendar of a (valid) time zone; one per zone per process. */
export function zoneCalendar(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}
