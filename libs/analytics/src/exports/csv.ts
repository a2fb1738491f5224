/**
 * CSV as spreadsheets read it (RFC 4180): fields separated by commas, records by CRLF, a field quoted when
 * it holds a comma, a quote, a line break or surrounding spaces, quotes doubled inside.
 */

/** First characters a spreadsheet takes for a formula (`=`, `+`, `-`, `@`) or a cell break (tab, CR). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
/** A phone number in E.164 or a plain number: nothing a spreadsheet could evaluate beyond its value. */
const PLAIN_NUMBER = /^(?:\+\d{1,15}|-?\d+(?:\.\d+)?)$/;

/**
 * One field. Text a caller or an agent wrote (a caller's name, a message) ends up in someone's
 * spreadsheet: a cell starting like a formula (`=HYPERLINK(...)`, `+1…`, `-2+3`, `@SUM`) is prefixed with
 * `'` so that it is shown as text and never evaluated (the OWASP guard against CSV injection). Numbers
 * and booleans are written as they are, and so is text that is only an E.164 phone number (`+15551234567`)
 * or a plain number (`-12.50`): a spreadsheet reads those as their value and nothing else, and every call
 * has a phone number that a script reading the file expects unchanged. Null and undefined are empty.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const guarded = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** One record, CRLF-terminated. */
export function csvRecord(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Spreadsheets (Excel) read a UTF-8 file as such only when it starts with a byte-order mark. */
export const CSV_BOM = '\uFEFF';
