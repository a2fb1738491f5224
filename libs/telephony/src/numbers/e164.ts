/**
 * E.164 numbers of the countries the pool serves: validation, the country a number belongs to, and its
 * area code as the availability search reads it. Written for the pool rather than borrowed from the
 * conversation's spoken-number parser, which reads what a caller said and sits in another domain.
 */

/** A country the pool takes numbers of: its calling code and how long its national significant numbers are. */
export interface ServedCountry {
  /** ISO 3166-1 alpha-2. */
  country: string;
  callingCode: string;
  /** Digits after the calling code. */
  minDigits: number;
  maxDigits: number;
  /** Whether a national number may start with 0 in international form (Italy keeps its 0; most drop it). */
  leadingZero?: boolean;
}

/**
 * The countries this instance serves. NANP numbers (+1) are the US's unless the area code is Canada's:
 * the other NANP countries are not served. Lengths are the national significant number's, per the
 * countries' numbering plans.
 */
export const SERVED_COUNTRIES: readonly ServedCountry[] = [
  { country: 'US', callingCode: '1', minDigits: 10, maxDigits: 10 },
  { country: 'CA', callingCode: '1', minDigits: 10, maxDigits: 10 },
  { country: 'MX', callingCode: '52', minDigits: 10, maxDigits: 10 },
  { country: 'ES', callingCode: '34', minDigits: 9, maxDigits: 9 },
  { country: 'FR', callingCode: '33', minDigits: 9, maxDigits: 9 },
  { country: 'GB', callingCode: '44', minDigits: 9, maxDigits: 10 },
  { country: 'DE', callingCode: '49', minDigits: 6, maxDigits: 13 },
  { country: 'IT', callingCode: '39', minDigits: 6, maxDigits: 11, leadingZero: true },
  { country: 'PT', callingCode: '351', minDigits: 9, maxDigits: 9 },
  { country: 'BE', callingCode: '32', minDigits: 8, maxDigits: 9 },
  { country: 'NL', callingCode: '31', minDigits: 9, maxDigits: 9 },
  { country: 'CH', callingCode: '41', minDigits: 9, maxDigits: 9 },
  { country: 'IE', callingCode: '353', minDigits: 7, maxDigits: 9 },
  { country: 'AU', callingCode: '61', minDigits: 9, maxDigits: 9 },
  { country: 'BR', callingCode: '55', minDigits: 10, maxDigits: 11 },
  { country: 'AR', callingCode: '54', minDigits: 10, maxDigits: 11 },
  { country: 'CO', callingCode: '57', minDigits: 10, maxDigits: 10 },
  { country: 'CL', callingCode: '56', minDigits: 9, maxDigits: 9 },
  { country: 'PE', callingCode: '51', minDigits: 8, maxDigits: 9 },
];

/** Canada's NANP area codes; every other +1 area code reads as the US (an import may name CA for a new overlay). */
const CANADIAN_AREA_CODES = new Set(
  (
    '204 226 236 249 250 263 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438 450 460 468 474 ' +
    '506 514 519 548 579 581 584 587 604 613 639 647 672 683 705 709 742 753 778 780 782 807 819 825 867 873 879 902 905 942'
  ).split(' '),
);

const BY_COUNTRY = new Map(SERVED_COUNTRIES.map((c) => [c.country, c]));
const CALLING_CODES = [...new Set(SERVED_COUNTRIES.map((c) => c.callingCode))].sort((a, b) => b.length - a.length);

/** The served countries' codes, for forms and validation. */
export const SERVED_COUNTRY_CODES: readonly string[] = SERVED_COUNTRIES.map((c) => c.country);

export function servedCountry(country: string): ServedCountry | undefined {
  return BY_COUNTRY.get(country.toUpperCase());
}

/** Calling codes the pool knows, longest first. */
export function servedCallingCodes(): readonly string[] {
  return CALLING_CODES;
}

/** A valid number of a served country. */
export interface ParsedNumber {
  e164: string;
  country: string;
  callingCode: string;
  /** The digits after the calling code. */
  national: string;
}

/** Why a text is not a number the pool takes; the reason reads after the field name (`number: …`). */
export type NumberProblem = { ok: false; reason: string };

/**
 * Checks an E.164 number (`+15551234567`; spaces, dots, dashes and brackets between digits are
 * tolerated and removed) and finds its country. `country`, when given, must be the number's (for +1,
 * US or CA as the admin says). Returns the reason in words when it is not a number the pool takes.
 */
export function parseE164(value: string, country?: string | null): ParsedNumber | NumberProblem {
  const text = value.trim();
  if (!text) return { ok: false, reason: 'is required' };
  if (!text.startsWith('+')) return { ok: false, reason: 'must be in E.164 form, starting with + and the country code (+15551234567)' };
  const rest = text.slice(1);
  if (/[^0-9 .()-]/.test(rest)) return { ok: false, reason: 'must contain only digits after the +' };
  const digits = rest.replace(/[ .()-]/g, '');
  if (digits.length < 8 || digits.length > 15) return { ok: false, reason: 'must have 8 to 15 digits after the + (E.164)' };
  if (digits.startsWith('0')) return { ok: false, reason: 'must not have a 0 right after the + (no country code starts with 0)' };
  const callingCode = CALLING_CODES.find((code) => digits.startsWith(code));
  if (!callingCode) return { ok: false, reason: `is in a country this instance does not serve (calling code of +${digits.slice(0, 3)}…)` };
  const national = digits.slice(callingCode.length);
  const wanted = country ? country.trim().toUpperCase() : null;
  if (wanted && !BY_COUNTRY.has(wanted)) return { ok: false, reason: `country ${wanted} is not served here` };
  let resolved: ServedCountry;
  if (callingCode === '1') {
    if (!/^[2-9]\d{9}$/.test(national)) return { ok: false, reason: 'must be +1 followed by 10 digits whose area code does not start with 0 or 1' };
    const byArea = CANADIAN_AREA_CODES.has(national.slice(0, 3)) ? 'CA' : 'US';
    if (wanted && wanted !== 'US' && wanted !== 'CA') return { ok: false, reason: `is a +1 number, not one of ${wanted}` };
    resolved = BY_COUNTRY.get(wanted ?? byArea)!;
  } else {
    resolved = SERVED_COUNTRIES.find((c) => c.callingCode === callingCode)!;
    if (wanted && wanted !== resolved.country) return { ok: false, reason: `is a number of ${resolved.country} (+${callingCode}), not of ${wanted}` };
  }
  if (national.length < resolved.minDigits || national.length > resolved.maxDigits) {
    const size = resolved.minDigits === resolved.maxDigits ? `${resolved.minDigits}` : `${resolved.minDigits} to ${resolved.maxDigits}`;
    return { ok: false, reason: `must have ${size} digits after +${callingCode} for ${resolved.country}` };
  }
  if (national.startsWith('0') && !resolved.leadingZero) return { ok: false, reason: `must not keep the national 0 after +${callingCode}` };
  return { e164: `+${digits}`, country: resolved.country, callingCode, national };
}

export function isNumberProblem(result: ParsedNumber | NumberProblem): result is NumberProblem {
  return (result as NumberProblem).ok === false;
}

/** The area code the search filters by: NANP's three digits after +1; elsewhere the digits the searcher typed. */
export function nanpAreaCode(e164: string): string | null {
  return /^\+1(\d{3})\d{7}$/.exec(e164)?.[1] ?? null;
}
