import * as chrono from 'chrono-node';
import { addDays, toLocalParts } from '@tero/core';
import { lexiconFor, type BuiltinLexicon } from './lexicons';

/**
 * When the caller would like to come, as they said it: a day, a time, a part of the day, a bound
 * ("after 3"), "as soon as possible". All local to the business's zone. chrono-node reads the dates
 * and clock times (`chrono.en`, `.es`, `.fr`); the parts of the day, "today/tomorrow", "first thing"
 * and "as soon as possible" are read from the lexicon first and removed, so that chrono never takes
 * "mañana" in "por la mañana" for tomorrow or "buenas tardes" for an afternoon.
 */
export interface TimeWish {
  /** Local date `YYYY-MM-DD`. */
  date?: string;
  /** Local `HH:MM`. */
  time?: string;
  part?: DayPart;
  /** Local `HH:MM`: not before it. */
  after?: string;
  /** Local `HH:MM`: ending by it. */
  before?: string;
  asap?: boolean;
  /** The first free time of the day. */
  firstThing?: boolean;
}

/** A part of the day a caller names. */
export type DayPart = 'morning' | 'afternoon' | 'evening';

/**
 * Minutes of the day each part spans, local: morning until noon, afternoon from one (a receptionist
 * offers "1 pm" for "the afternoon", not the lunch hour) until five, evening after.
 */
export const DAY_PARTS: Record<DayPart, [number, number]> = { morning: [0, 12 * 60], afternoon: [13 * 60, 17 * 60], evening: [17 * 60, 24 * 60] };

type Locale = 'en' | 'es' | 'fr';

interface CompiledTimeLexicon {
  greetings: RegExp;
  rewrites: [RegExp, string][];
  after: RegExp[];
  before: RegExp[];
  todayParts: [RegExp, DayPart][];
  afterTomorrow: RegExp;
  firstThing: RegExp;
  asap: RegExp;
  parts: [RegExp, DayPart][];
  today: RegExp;
  tomorrow: RegExp;
  dayOfMonth: RegExp;
  parser: chrono.Chrono;
}

const DAY_OF_MONTH: Record<Locale, string> = {
  en: '\\bthe (\\d{1,2})(?:st|nd|rd|th)\\b',
  es: '\\bel día (\\d{1,2})\\b',
  fr: '\\ble (\\d{1,2})\\b(?!\\s*(?:h|heures?|:|\\d))',
};

const PARSERS: Record<Locale, chrono.Chrono> = { en: chrono.en.casual, es: chrono.es.casual, fr: chrono.fr.casual };

/** A pattern matching any of `phrases` as whole words, case-insensitive; accents optional where the phrase has them. */
function phrasePattern(phrases: readonly string[]): RegExp {
  const alternatives = [...phrases]
    .sort((a, b) => b.length - a.length)
    .map((phrase) =>
      phrase
        .normalize('NFC')
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/[aàáâ]|[eèéêë]|[iìíîï]|[oòóô]|[uùúûü]|[nñ]|[cç]/g, (c) => `[${accentClass(c)}]`)
        .replace(/ /g, "[\\s'’\\-]+"),
    );
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|') || '(?!)'})(?![\\p{L}\\p{N}])`, 'giu');
}

function accentClass(c: string): string {
  const base = c.normalize('NFD')[0]!;
  const classes: Record<string, string> = { a: 'aàáâ', e: 'eèéêë', i: 'iìíîï', o: 'oòóô', u: 'uùúûü', n: 'nñ', c: 'cç' };
  return classes[base] ?? c;
}

function compile(locale: Locale, lexicon: BuiltinLexicon): CompiledTimeLexicon {
  const time = lexicon.time;
  const partsOf = (parts: Record<DayPart, string[]>) => (Object.entries(parts) as [DayPart, string[]][]).map(([part, phrases]) => [phrasePattern(phrases), part] as [RegExp, DayPart]);
  return {
    greetings: phrasePattern(lexicon.greetings),
    rewrites: time.rewrites.map(([pattern, replacement]) => [new RegExp(pattern, 'giu'), replacement]),
    after: time.after.map((p) => new RegExp(p, 'iu')),
    before: time.before.map((p) => new RegExp(p, 'iu')),
    todayParts: partsOf(time.todayParts),
    afterTomorrow: phrasePattern(time.afterTomorrow),
    firstThing: phrasePattern(time.firstThing),
    asap: phrasePattern(time.asap),
    parts: partsOf(time.parts),
    today: phrasePattern(time.today),
    tomorrow: phrasePattern(time.tomorrow),
    dayOfMonth: new RegExp(DAY_OF_MONTH[locale], 'iu'),
    parser: PARSERS[locale],
  };
}

const COMPILED: Record<Locale, CompiledTimeLexicon> = {
  en: compile('en', lexiconFor('en')),
  es: compile('es', lexiconFor('es')),
  fr: compile('fr', lexiconFor('fr')),
};

const pad = (n: number) => String(n).padStart(2, '0');

/** A clock hour said without am/pm: 1 to 7 mean the afternoon for a business ("at 3" is 15:00). */
function businessHour(hour: number, meridiemKnown: boolean): number {
  return !meridiemKnown && hour >= 1 && hour <= 7 ? hour + 12 : hour;
}

function clock(match: RegExpExecArray): string {
  const hour = businessHour(Number(match[1]), false);
  return `${pad(hour)}:${pad(Number(match[2] ?? 0))}`;
}

/**
 * What the caller said about when, relative to `now` in `timeZone`; null when they said nothing about
 * time. Remove phone numbers from `text` first: their digits are not times.
 */
export function parseTimeWish(text: string, locale: string, now: Date, timeZone: string): TimeWish | null {
  const base = (locale.split('-')[0] ?? 'en') as Locale;
  const lex = COMPILED[base] ?? COMPILED.en;
  const local = toLocalParts(now, timeZone);
  const today = `${local.year}-${pad(local.month)}-${pad(local.day)}`;
  const wish: TimeWish = {};
  let work = text.normalize('NFC').replace(lex.greetings, ' ');
  for (const [pattern, replacement] of lex.rewrites) work = work.replace(pattern, replacement);

  const take = (pattern: RegExp): boolean => {
    pattern.lastIndex = 0;
    if (!pattern.test(work)) return false;
    pattern.lastIndex = 0;
    work = work.replace(pattern, ' ');
    return true;
  };
  for (const pattern of lex.after) {
    const match = pattern.exec(work);
    if (match) {
      wish.after = clock(match);
      work = work.replace(pattern, ' ');
    }
  }
  for (const pattern of lex.before) {
    const match = pattern.exec(work);
    if (match) {
      wish.before = clock(match);
      work = work.replace(pattern, ' ');
    }
  }
  for (const [pattern, part] of lex.todayParts) {
    if (take(pattern)) {
      wish.date = today;
      wish.part = part;
    }
  }
  if (take(lex.afterTomorrow)) wish.date = addDays(today, 2);
  if (take(lex.firstThing)) {
    wish.firstThing = true;
    wish.part = 'morning';
  }
  if (take(lex.asap)) wish.asap = true;
  for (const [pattern, part] of lex.parts) if (take(pattern)) wish.part ??= part;
  if (take(lex.today)) wish.date ??= today;
  if (take(lex.tomorrow)) wish.date ??= addDays(today, 1);

  const reference = { instant: new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute)), timezone: 0 };
  // A calendar date beats a day of the month ("the 19th"), which beats a weekday ("Thursday the 19th").
  let weekdayDate: string | undefined;
  for (const result of lex.parser.parse(work, reference, { forwardDate: true })) {
    const start = result.start;
    const date = `${start.get('year')}-${pad(start.get('month')!)}-${pad(start.get('day')!)}`;
    if (!wish.date && start.isCertain('day')) wish.date = date;
    else if (!weekdayDate && start.isCertain('weekday')) weekdayDate = date;
    if (!wish.time && start.isCertain('hour')) {
      const hour = businessHour(start.get('hour')!, start.isCertain('meridiem'));
      wish.time = `${pad(hour)}:${pad(start.get('minute') ?? 0)}`;
    }
  }
  if (!wish.date) {
    const match = lex.dayOfMonth.exec(work);
    const day = match ? Number(match[1]) : 0;
    if (day >= 1 && day <= 31) wish.date = day >= local.day ? `${local.year}-${pad(local.month)}-${pad(day)}` : nextMonthDay(local.year, local.month, day);
  }
  // A bare weekday is the next one to come: "Monday" said on a Monday is next week's (today is "today").
  if (!wish.date && weekdayDate) wish.date = weekdayDate === today ? addDays(today, 7) : weekdayDate;
  return Object.keys(wish).length > 0 ? wish : null;
}

function nextMonthDay(year: number, month: number, day: number): string {
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return `${next.year}-${pad(next.month)}-${pad(day)}`;
}

/** A new wish replaces what it names and keeps the rest ("Thursday" then "at 10" is Thursday at 10). */
export function mergeWish(previous: TimeWish | undefined, next: TimeWish): TimeWish {
  if (!previous) return next;
  if (next.date) return next;
  const merged: TimeWish = { ...previous, ...next };
  if (next.time) delete merged.part;
  if (next.part) delete merged.time;
  return merged;
}
