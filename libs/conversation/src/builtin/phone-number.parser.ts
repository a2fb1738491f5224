import { lexiconFor } from './lexicons';
import { foldText } from './text';

/** A phone number heard in an utterance. */
export interface HeardPhoneNumber {
  /** E.164: `+15550142233`. */
  e164: string;
  /** Where it was said in the text (character offsets), so that other parsers can ignore it. */
  start: number;
  end: number;
}

/** Calling codes of one and two digits; every other country's has three (ITU E.164 assignments). */
const SHORT_CALLING_CODES = new Set([
  '1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49', '51', '52',
  '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93',
  '94', '95', '98',
]);

/** Words and digit groups, with where they are. */
const WORD = /\+?\d+|[\p{L}’']+/gu;
/** What may sit between the parts of one number. */
const JOINER = /^[\s().\-,/]*$/u;
const DIGITS_ONLY = /^\+?\d+$/;
const E164 = /^\+\d{8,15}$/;
const NANP = /^\+1\d{10}$/;

/**
 * Spoken digit words per locale, folded ("zéro" → "zero"), built on first use, and what each word
 * heard so far stands for (a digit, or null): callers use few words, and folding each one on every
 * turn cost more than the rest of the search.
 */
const spokenDigits = new Map<string, { digits: ReadonlyMap<string, string>; heard: Map<string, string | null> }>();
/** Words remembered per locale before that memory starts over. */
const HEARD_WORDS = 10_000;

function spokenDigit(word: string, locale: string): string | undefined {
  let spoken = spokenDigits.get(locale);
  if (!spoken) {
    spoken = { digits: new Map(Object.entries(lexiconFor(locale).digits).map(([w, digit]) => [foldText(w), digit])), heard: new Map() };
    spokenDigits.set(locale, spoken);
  }
  let digit = spoken.heard.get(word);
  if (digit === undefined) {
    digit = spoken.digits.get(foldText(word)) ?? null;
    if (spoken.heard.size >= HEARD_WORDS) spoken.heard.clear();
    spoken.heard.set(word, digit);
  }
  return digit ?? undefined;
}

/** The calling code of an E.164 number (`+33612…` → `33`), or null for anything else. */
export function callingCodeOf(e164: string | null | undefined): string | null {
  if (!e164 || !E164.test(e164)) return null;
  for (const length of [1, 2]) if (SHORT_CALLING_CODES.has(e164.slice(1, 1 + length))) return e164.slice(1, 1 + length);
  return e164.slice(1, 4);
}

/**
 * Digits as a caller said them → E.164, read in the caller's country (from the caller id): `+` or
 * `00` starts an international number; a leading `0` is the national trunk prefix; in the North
 * American plan 10 digits are a full number and 7 digits take the caller's area code. Without a
 * caller id, 10 digits are read as North American. Null when the digits cannot be a number.
 */
export function toE164(digits: string, international: boolean, callerNumber: string | null | undefined): string | null {
  if (international || digits.startsWith('00')) {
    const rest = international ? digits : digits.slice(2);
    return rest.length >= 8 && rest.length <= 15 ? `+${rest}` : null;
  }
  const country = callingCodeOf(callerNumber) ?? '1';
  if (country === '1') {
    if (digits.length === 10 && !digits.startsWith('0') && !digits.startsWith('1')) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
    if (digits.length === 7 && callerNumber && NANP.test(callerNumber)) return `+1${callerNumber.slice(2, 5)}${digits}`;
    return null;
  }
  const national = digits.startsWith('0') ? digits.slice(1) : digits;
  return national.length >= 7 && national.length + country.length <= 15 ? `+${country}${national}` : null;
}

/**
 * Finds the phone number in an utterance: digit groups ("555 014 2233", "555-014-2233") and spoken
 * digits ("five five five, oh one four…", "cinco cinco cinco…", "zéro six…"), mixed or not. Runs of
 * fewer than seven digits (a time, a date, a street number) are not numbers. When several runs
 * qualify, the longest wins.
 */
export function findPhoneNumber(text: string, locale: string, callerNumber: string | null | undefined): HeardPhoneNumber | null {
  let best: { digits: string; international: boolean; start: number; end: number } | null = null;
  let run: { digits: string; international: boolean; start: number; end: number } | null = null;
  const close = () => {
    if (run && run.digits.length >= 7 && (!best || run.digits.length > best.digits.length)) best = run;
    run = null;
  };
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match; match = WORD.exec(text)) {
    const word = match[0];
    const index = match.index;
    const isNumber = DIGITS_ONLY.test(word);
    const spoken = isNumber ? undefined : spokenDigit(word, locale);
    if (!isNumber && spoken === undefined) {
      close();
      continue;
    }
    if (run && !JOINER.test(text.slice(run.end, index))) close();
    const digits = isNumber ? word.replace('+', '') : spoken!;
    if (!run) run = { digits: '', international: word.startsWith('+'), start: index, end: index };
    run.digits += digits;
    run.end = index + word.length;
  }
  close();
  if (!best) return null;
  const found: { digits: string; international: boolean; start: number; end: number } = best;
  const e164 = toE164(found.digits, found.international, callerNumber);
  return e164 ? { e164, start: found.start, end: found.end } : null;
}
