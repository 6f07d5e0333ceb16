import { describe, expect, it } from 'vitest';
import { isValidTimeZone, ZoneCalendar, zoneCalendar } from './calendar.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('ZoneCalendar', () => {
  it('gives UTC days and months without Intl', () => {
    const utc = new ZoneCalendar('UTC');
    const day = utc.dayAt(Date.UTC(2030, 0, 15, 12));
    expect(day).toEqual({ id: 20300115, start: Date.UTC(2030, 0, 15), end: Date.UTC(2030, 0, 16) });
    expect(utc.monthAt(Date.UTC(2030, 11, 31, 23, 59))).toEqual({
      id: 203012,
      start: Date.UTC(2030, 11, 1),
      end: Date.UTC(2031, 0, 1),
    });
  });

  it('knows leap days: Feb 29 exists in 2028, not in 2030', () => {
    const utc = zoneCalendar('UTC');
    expect(utc.dayAt(Date.UTC(2028, 1, 28, 23, 59, 59, 999)).end).toBe(Date.UTC(2028, 1, 29));
    expect(utc.dayAt(Date.UTC(2028, 1, 29, 12)).id).toBe(20280229);
    expect(utc.monthAt(Date.UTC(2028, 1, 29, 12))).toEqual({
      id: 202802,
      start: Date.UTC(2028, 1, 1),
      end: Date.UTC(2028, 2, 1),
    });
    expect(utc.dayAt(Date.UTC(2030, 1, 28, 12)).end).toBe(Date.UTC(2030, 2, 1));
    expect(utc.monthAt(Date.UTC(2030, 1, 10)).end - Date.UTC(2030, 1, 1)).toBe(28 * 24 * HOUR);
  });

  it('has a 23-hour day when Berlin springs forward (last Sunday of March)', () => {
    const berlin = zoneCalendar('Europe/Berlin');
    const day = berlin.dayAt(Date.UTC(2030, 2, 31, 10));
    expect(day.id).toBe(20300331);
    expect(iso(day.start)).toBe('2030-03-30T23:00:00.000Z'); // 00:00 CET
    expect(iso(day.end)).toBe('2030-03-31T22:00:00.000Z'); // 00:00 CEST
    expect(day.end - day.start).toBe(23 * HOUR);
  });

  it('has a 25-hour day when Berlin falls back (last Sunday of October)', () => {
    const berlin = zoneCalendar('Europe/Berlin');
    const day = berlin.dayAt(Date.UTC(2030, 9, 27, 12));
    expect(day.id).toBe(20301027);
    expect(iso(day.start)).toBe('2030-10-26T22:00:00.000Z');
    expect(iso(day.end)).toBe('2030-10-27T23:00:00.000Z');
    expect(day.end - day.start).toBe(25 * HOUR);
  });

  it('starts the month at local midnight on the 1st, across the year end', () => {
    const berlin = zoneCalendar('Europe/Berlin');
    // 2030-12-31 23:30 local is still December; 2031-01-01 00:00 local is 2030-12-31T23:00Z.
    const december = berlin.monthAt(Date.UTC(2030, 11, 31, 22, 30));
    expect(december.id).toBe(203012);
    expect(iso(december.end)).toBe('2030-12-31T23:00:00.000Z');
    expect(berlin.monthAt(Date.UTC(2030, 11, 31, 23, 0)).id).toBe(203101);
  });

  it('handles offsets that are not whole hours', () => {
    const kolkata = zoneCalendar('Asia/Kolkata'); // UTC+05:30
    const day = kolkata.dayAt(Date.UTC(2030, 0, 15, 20)); // 01:30 on the 16th, local
    expect(day.id).toBe(20300116);
    expect(iso(day.start)).toBe('2030-01-15T18:30:00.000Z');
  });

  it('answers correctly when the clock goes back (cache miss, not a stale period)', () => {
    const berlin = new ZoneCalendar('Europe/Berlin');
    expect(berlin.dayAt(Date.UTC(2030, 5, 2, 12)).id).toBe(20300602);
    expect(berlin.dayAt(Date.UTC(2030, 5, 1, 12)).id).toBe(20300601);
    expect(berlin.dayAt(Date.UTC(2030, 5, 1, 21, 59, 59, 999)).id).toBe(20300601);
    expect(berlin.dayAt(Date.UTC(2030, 5, 1, 22)).id).toBe(20300602);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and refuses anything else', () => {
    for (const name of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      expect(isValidTimeZone(name)).toBe(true);
    }
    for (const name of ['', 'Mars/Olympus', 'Europe/Berlin\n', 'x'.repeat(100)])
      expect(isValidTimeZone(name)).toBe(false);
    expect(() => zoneCalendar('Mars/Olympus')).toThrow(RangeError);
  });
});
