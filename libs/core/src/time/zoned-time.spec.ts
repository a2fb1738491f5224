import { addDays, formatLocal, fromLocalParts, isValidTimeZone, offsetMinutes, parseLocal, toLocalParts, wallTime, weekdayOf } from './zoned-time';

describe('zoned time', () => {
  it('reads the wall clock of a zone at an instant', () => {
    const instant = new Date('2026-03-10T14:30:00Z');
    expect(toLocalParts(instant, 'America/New_York')).toMatchObject({ year: 2026, month: 3, day: 10, hour: 10, minute: 30, weekday: 1 });
    expect(toLocalParts(instant, 'Europe/Paris')).toMatchObject({ hour: 15, minute: 30 });
    expect(offsetMinutes(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Europe/Paris')).toBe(120);
  });

  it('turns local times into instants, across daylight-saving changes', () => {
    expect(parseLocal('2026-03-10T09:00', 'America/New_York').toISOString()).toBe('2026-03-10T13:00:00.000Z');
    expect(parseLocal('2026-03-06T09:00', 'America/New_York').toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(parseLocal('2026-07-01', 'Europe/Paris').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // 02:30 does not exist on 2026-03-08 in New York: the instant an hour later.
    expect(formatLocal(fromLocalParts({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'), 'America/New_York')).toBe('2026-03-08T03:30');
    // 01:30 happens twice on 2026-11-01: the first.
    expect(fromLocalParts({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('round-trips and does calendar arithmetic', () => {
    expect(formatLocal(parseLocal('2026-12-31T23:45', 'Asia/Tokyo'), 'Asia/Tokyo')).toBe('2026-12-31T23:45');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(weekdayOf('2026-11-23')).toBe(0);
    expect(weekdayOf('2026-11-29')).toBe(6);
  });

  it('refuses malformed input and unknown zones', () => {
    expect(() => parseLocal('next tuesday', 'UTC')).toThrow(/not a local date-time/);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Base')).toBe(false);
  });

  it('reads the same wall clock and offset as Intl at every sampled instant, daylight-saving changes and odd offsets included', () => {
    const formats = new Map<string, Intl.DateTimeFormat>();
    const intl = (instant: Date, timeZone: string) => {
      let format = formats.get(timeZone);
      if (!format) {
        format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
        formats.set(timeZone, format);
      }
      const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
      const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!);
      return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, second: +parts.second!, weekday };
    };
    const zones = ['America/New_York', 'Europe/Paris', 'Europe/Dublin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'Africa/Casablanca', 'America/Santiago', 'Africa/Monrovia', 'Europe/Amsterdam', 'UTC'];
    const instants: number[] = [];
    // A year of instants 1 h 51 min 40.5 s apart, each minute around this year's changes, and old years with second-precise offsets.
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 6_700_500) instants.push(ms);
    for (const [from, to] of [[Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 8, 9)], [Date.UTC(2026, 2, 29, 0), Date.UTC(2026, 2, 29, 3)], [Date.UTC(2026, 3, 4, 14), Date.UTC(2026, 3, 4, 16)]]) {
      for (let ms = from; ms < to; ms += 59_999) instants.push(ms);
    }
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(1975, 0, 1); ms += 86_399_999 * 17) instants.push(ms);
    instants.push(Date.UTC(1899, 11, 31, 23, 59, 59), Date.UTC(2199, 11, 31, 23), Date.UTC(2300, 5, 1), -1, 0);
    const differences: string[] = [];
    for (const zone of zones) {
      for (const ms of instants) {
        const instant = new Date(ms);
        const wanted = JSON.stringify(intl(instant, zone));
        // Twice: once as the hour's offset is read, once from what was kept.
        for (const got of [toLocalParts(instant, zone), toLocalParts(instant, zone)]) {
          if (JSON.stringify(got) !== wanted) differences.push(`${zone} ${instant.toISOString()}: ${JSON.stringify(got)}, Intl ${wanted}`);
        }
        const wall = new Date(wallTime(instant, zone));
        const fromWall = { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds(), weekday: (wall.getUTCDay() + 6) % 7 };
        if (JSON.stringify(fromWall) !== wanted || wall.getUTCMilliseconds() !== instant.getUTCMilliseconds()) differences.push(`${zone} ${instant.toISOString()}: wall time ${wall.toISOString()}, Intl ${wanted}`);
        const offset = Math.round((Date.UTC(fromWall.year, fromWall.month - 1, fromWall.day, fromWall.hour, fromWall.minute, fromWall.second) - Math.floor(ms / 1000) * 1000) / 60000);
        if (offsetMinutes(instant, zone) !== offset) differences.push(`${zone} ${instant.toISOString()}: offset ${offsetMinutes(instant, zone)}, Intl ${offset}`);
      }
    }
    expect(differences).toEqual([]);
    expect(instants.length * zones.length).toBeGreaterThan(50_000);
    expect(() => toLocalParts(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
    expect(() => toLocalParts(new Date(), 'Mars/Base')).toThrow(RangeError);
  });
});
