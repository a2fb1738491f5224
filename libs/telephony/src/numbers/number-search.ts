import type { FieldProblem } from '@tero/accounts';
import { servedCallingCodes, servedCountry } from './e164';

/** What the availability search takes. Every field is optional; all given ones must match. */
export interface NumberSearch {
  /** ISO alpha-2 (`US`). */
  country?: string | null;
  /** NANP: the 3 digits after +1; elsewhere the first digits after the country code. */
  areaCode?: string | null;
  /**
   * The whole number, anchored at both ends, `+` optional: `*` any run of digits (none included), `?`
   * or `X` exactly one digit. `+1555*` starts with +1 555, `*1234` ends in 1234, `*77*` holds 77.
   */
  pattern?: string | null;
}

/** A search checked and turned into conditions on `number` and `country`: SQL LIKE patterns built only from digits and wildcards. */
export interface CompiledSearch {
  country: string | null;
  /** Every pattern must match (`AND`); `anyOf` holds alternatives of which one must match (`OR`). */
  likes: string[];
  anyOf: string[];
  /** The same test in JavaScript, for rows already read. */
  test(e164: string): boolean;
}

const PATTERN = /^\+?[0-9*?Xx]{1,20}$/;

/**
 * Turns the search into conditions the database can run. The pattern never reaches SQL as typed: it is
 * checked to hold only digits and the wildcards, each wildcard is translated (`*` → `%`, `?`/`X` → `_`)
 * and digits pass as themselves, so no `%`, `_` or escape character of the searcher's can appear.
 * Returns the problems instead when a field is not valid.
 */
export function compileSearch(search: NumberSearch): CompiledSearch | FieldProblem[] {
  const problems: FieldProblem[] = [];
  const countryText = search.country?.trim().toUpperCase() || null;
  const served = countryText ? servedCountry(countryText) : undefined;
  if (countryText && !served) problems.push({ field: 'country', reason: `${countryText.slice(0, 10)} is not a country served here` });
  const area = search.areaCode?.trim() || null;
  if (area && !/^\d{1,5}$/.test(area)) problems.push({ field: 'areaCode', reason: 'must be 1 to 5 digits' });
  const pattern = search.pattern?.trim().replace(/\s+/g, '') || null;
  if (pattern && !PATTERN.test(pattern)) problems.push({ field: 'pattern', reason: 'may hold only digits, * (any digits) and ? or X (one digit), up to 20 characters, with an optional + first' });
  if (problems.length) return problems;

  const likes: string[] = [];
  const anyOf: string[] = [];
  const regexes: RegExp[] = [];
  if (area) {
    const codes = served ? [served.callingCode] : servedCallingCodes();
    const prefixes = codes.map((code) => `+${code}${area}`);
    if (prefixes.length === 1) likes.push(`${prefixes[0]}%`);
    else anyOf.push(...prefixes.map((p) => `${p}%`));
    regexes.push(new RegExp(`^(${prefixes.map((p) => `\\${p}`).join('|')})`));
  }
  if (pattern) {
    const body = pattern.replace(/^\+/, '');
    likes.push(`+${body.replace(/\*/g, '%').replace(/[?Xx]/g, '_')}`);
    regexes.push(new RegExp(`^\\+${body.replace(/\*/g, '\\d*').replace(/[?Xx]/g, '\\d')}$`));
  }
  const country = served?.country ?? null;
  return {
    country,
    likes,
    anyOf,
    test: (e164) => regexes.every((re) => re.test(e164)),
  };
}
