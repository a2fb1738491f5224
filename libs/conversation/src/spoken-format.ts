import type { Money } from '@tero/sdk';

/**
 * How the agent says dates, times, prices, lists and phone numbers: `Intl` in the call's locale and
 * the business's zone. Formatters are built once per locale (and zone) and reused, since every turn
 * formats something.
 */

const cache = new Map<string, unknown>();
const NON_DIGITS = /\D/g;

function cached<T>(key: string, make: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** `{ amountMinor: 12000, currency: 'USD' }` → `$120.00` (en), `120,00 $US` (fr). */
export function formatMoney(money: Money, locale: string): string {
  const format = cached(`money|${locale}|${money.currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }));
  return format.format(money.amountMinor / 100);
}

/** A wall-clock `HH:MM` (as in business hours) → `8:00 AM` (en), `08:00` (fr). `24:00` reads as midnight. */
export function formatClock(hhmm: string, locale: string): string {
  // A day has few clock times: each is formatted once per locale.
  return cached(`clock|${locale}|${hhmm}`, () => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    const format = cached(`clock|${locale}`, () => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }));
    return format.format(new Date(Date.UTC(2024, 0, 1, h % 24, m)));
  });
}

/** Weekday name, 0 = Monday: `Monday`, `lunes`, `lundi`. */
export function weekdayName(weekday: number, locale: string): string {
  return cached(`weekday|${locale}|${weekday}`, () => {
    const format = cached(`weekday|${locale}`, () => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }));
    // 2024-01-01 was a Monday.
    return format.format(new Date(Date.UTC(2024, 0, 1 + weekday)));
  });
}

/** A local date `YYYY-MM-DD` → `Tuesday, March 10` (en), `martes, 10 de marzo` (es), `mardi 10 mars` (fr). */
export function formatLocalDate(date: string, locale: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const format = cached(`date|${locale}`, () => new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }));
  return format.format(new Date(Date.UTC(y, m - 1, d)));
}

/** The day of an instant in a zone, as {@link formatLocalDate} says it. */
export function formatDay(instant: Date, locale: string, timeZone: string): string {
  const format = cached(`day|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', timeZone }));
  return format.format(instant);
}

/** The time of an instant in a zone: `8:00 AM`, `8:00`, `08:00`. */
export function formatTime(instant: Date, locale: string, timeZone: string): string {
  const format = cached(`time|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone }));
  return format.format(instant);
}

/** `a, b and c` (`conjunction`) or `a, b or c` (`disjunction`) in the locale. */
export function formatList(items: readonly string[], locale: string, type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  const format = cached(`list|${locale}|${type}`, () => new Intl.ListFormat(locale, { style: 'long', type }));
  return format.format(items);
}

/**
 * A phone number as the agent reads it back, digit by digit in groups so that a voice does not say
 * "five hundred fifty-five": `+15550142233` → `5 5 5, 0 1 4, 2 2 3 3`. North American numbers are
 * grouped 3-3-4 without the country code; others start with `+` and the country code, then groups of
 * three digits (the last one up to four).
 */
export function spellPhone(e164: string): string {
  const digits = e164.replace(NON_DIGITS, '');
  const spaced = (group: string) => group.split('').join(' ');
  if (e164.startsWith('+1') && digits.length === 11) {
    return [digits.slice(1, 4), digits.slice(4, 7), digits.slice(7)].map(spaced).join(', ');
  }
  const groups: string[] = [];
  let rest = digits;
  while (rest.length > 4) {
    groups.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  if (rest) groups.push(rest);
  return `${e164.startsWith('+') ? '+ ' : ''}${groups.map(spaced).join(', ')}`;
}
