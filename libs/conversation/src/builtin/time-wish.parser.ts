import type * as chrono from 'chrono-node';
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
  /** Tests at least one of which matches whenever the rest can find anything: see {@link mentionsTime}. */
  cues: RegExp[];
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

/**
 * Only the three languages' parsers are loaded (`chrono-node/<locale>`): chrono-node's index loads all of
 * its 18 locales, ~2.7 MB of heap of which a process never reads more than these.
 */
const PARSERS: Record<Locale, chrono.Chrono> = {
  en: (require('chrono-node/en') as typeof chrono.en).casual,
  es: (require('chrono-node/es') as typeof chrono.es).casual,
  fr: (require('chrono-node/fr') as typeof chrono.fr).casual,
};

/**
 * What chrono-node's casual parsers of each language need to find anything in a text without digits,
 * written loosely so as to match whatever they match (and more): a weekday or month name, a word such
 * as "tomorrow" or "noon", a time unit after a number word or "the/this/next" ("a couple of days",
 * "next week", "la semaine prochaine", "dentro de una hora"). Same flags as chrono's own patterns
 * (case-insensitive, no `u`), so that letters and word boundaries mean the same; a name starts a word
 * or follows what chrono lets run into it ("onmonday", "thismorning"). Whatever these miss, chrono
 * misses too: the spec checks it over a corpus of callers' words and time expressions.
 */
const EN_UNITS = 'seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|mos?|mon|quarters?|qtrs?|years?|yrs?|[smhdwy]';
const ES_UNITS = 'segundos?|minutos?|semanas?|cuartos?|horas?|meses|mins?|días|dias|años|anos|sec|hrs?|día|dia|mes|año|ano|h';
const FR_UNITS = 'trimestres?|secondes?|semaines?|minutes?|heures?|années?|jours?|mins?|mois|sec|hrs?|ans|h';
const FR_NUMBERS = 'quatre|treize|trois|douze|deux|cinq|sept|huit|neuf|onze|six|dix|une?|quelques?|demi-?';
/**
 * At the start of a word, or right after one of `joined` (consumed rather than looked behind at: the
 * cues are only tested, and a pattern that starts with a word boundary or a word scans much faster).
 * Every name these precede starts with a letter a-z, so `\b` before it is a word start.
 */
const startsAfter = (joined: string) => `(?:\\b|${joined})`;
const CHRONO_CUES: Record<Locale, RegExp> = {
  en: new RegExp(
    [
      `(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half(?:\\s{0,2}an?)?|an?\\b|few|several|the|couple|of)\\s{0,3}(?:${EN_UNITS})(?=\\W|$|ago|before|earlier|later|after|from|henceforth|forward|out)`,
      `(?:this|last|past|next|after)\\s*(?:${EN_UNITS})(?!\\w)`,
      `${startsAfter('on|this|last|past|next')}(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tues|tue|wed|thurs|thur|thu|fri|sat|weekend|weekday)(?=\\W|$|of|this|last|past|next)`,
      // A month's name may follow an ordinal ("first of may") and run into one ("march first"): every ordinal word starts with one of these.
      `${startsAfter('in|of|st|nd|rd|th')}(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?=\\W|$|of|fi|se|th|fo|si|ei|ni|te|el|tw)`,
      `\\b(?:now|today|tonight|tomorrow|overmorrow|tmrw|tmr|yesterday|last\\s*night)(?=\\W|$)`,
      `${startsAfter('this')}(?:morning|afternoon|evening|night|midnight|midday|noon)(?=\\W|$)`,
      `\\bmonth(?=\\W|$)`,
    ].join('|'),
    'i',
  ),
  es: new RegExp(
    [
      `(?:cuatro|cinco|siete|nueve|trece|tres|seis|ocho|diez|once|doce|uno|dos|un?|uno?|una?|algunos?|unos?|demi-?)\\s{0,5}(?:${ES_UNITS})(?=\\W|$)`,
      `${startsAfter('este|esta|pasado|próximo|proximo')}(?:miércoles|miercoles|domingo|viernes|martes|jueves|sábado|sabado|lunes|dom|lun|mar|mié|mie|jue|vie|sáb|sab)(?=\\W|\\d|$|est|pasado|pr)`,
      // An ordinal word ("primero", "segunda") ends in o or a.
      `${startsAfter('en|de|o|a')}(?:septiembre|setiembre|noviembre|diciembre|febrero|octubre|agosto|enero|marzo|abril|junio|julio|mayo|ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic)(?=\\W|$|de)`,
      `\\b(?:ahora|hoy|mañana|manana|ayer)(?=\\W|$)`,
      `${startsAfter('esta')}(?:mañana|manana|tarde|medianoche|mediodia|mediodía|noche)(?=\\W|$)`,
    ].join('|'),
    'i',
  ),
  fr: new RegExp(
    [
      `(?:les?|la|l'|du|des?)\\s*(?:(?:${FR_NUMBERS})\\s*)?(?:(?:prochaine?s?|derni[eè]re?s?|pass[ée]e?s?|pr[ée]c[ée]dents?|suivante?s?)\\s*)?(?:${FR_UNITS})`,
      `(?:dans|en|pour|pendant|de)\\s*(?:${FR_NUMBERS}|un)\\s{0,5}(?:${FR_UNITS})`,
      'il y a',
      `${startsAfter('ce')}(?:dimanche|mercredi|vendredi|samedi|lundi|mardi|jeudi|dim|lun|mar|mer|jeu|ven|sam)(?=\\W|\\d|$|dernier|prochain)`,
      `${startsAfter('ce|cet')}(?:matin|soir|après-midi|aprem|a midi)(?=\\W|$)`,
      // "à" is no word character for these patterns: no word boundary before it.
      'à minuit(?=\\W|$)',
      `\\b(?:maintenant|aujourd'hui|demain|hier|cette\\s*nuit|la\\s*veille)(?=\\W|$)`,
    ].join('|'),
    'i',
  ),
};

const DIGIT = /[0-9]/;

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
  const rewrites = time.rewrites.map(([pattern, replacement]) => [new RegExp(pattern, 'giu'), replacement] as [RegExp, string]);
  const after = time.after.map((p) => new RegExp(p, 'iu'));
  const before = time.before.map((p) => new RegExp(p, 'iu'));
  const phrases = [
    ...lexicon.greetings,
    ...Object.values(time.todayParts).flat(),
    ...Object.values(time.parts).flat(),
    ...time.afterTomorrow,
    ...time.firstThing,
    ...time.asap,
    ...time.today,
    ...time.tomorrow,
  ];
  return {
    cues: [new RegExp(phrasePattern(phrases).source, 'iu'), ...rewrites.map(([pattern]) => new RegExp(pattern.source, 'iu')), ...after, ...before, CHRONO_CUES[locale]],
    greetings: phrasePattern(lexicon.greetings),
    rewrites,
    after,
    before,
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
  if (!mayMentionTime(text, locale)) return null;
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

/**
 * Whether `text` may say anything about time in `locale`: a digit, a phrase of the time lexicon or a
 * greeting (removing one could join the words around it), a rewrite's or a bound's pattern, or one
 * of chrono's cues. When it says no, {@link parseTimeWish} finds nothing; most of what callers say
 * names no time at all, and then neither the lexicon's dozen patterns nor chrono's parsers run.
 */
export function mayMentionTime(text: string, locale: string): boolean {
  const base = (locale.split('-')[0] ?? 'en') as Locale;
  const lex = COMPILED[base] ?? COMPILED.en;
  const nfc = text.normalize('NFC');
  if (DIGIT.test(nfc)) return true;
  for (const cue of lex.cues) if (cue.test(nfc)) return true;
  return false;
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
