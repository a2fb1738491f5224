/**
 * How a pack's keywords are found in what a caller said: case-insensitively, as whole words or
 * phrases ("swelling" is in "there's some swelling", "pus" is not in "campus"), with typographic
 * apostrophes read as plain ones and runs of spaces as one. Accents count: "fièvre" is not "fievre".
 * The linter uses it to check that scenarios say what the pack listens for (PACK049).
 */

/** The caller's text (or a keyword) in the form keywords are compared in. */
export function normalizeSpeech(text: string, locale: string): string {
  return text.normalize('NFC').toLocaleLowerCase(locale).replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Whether `text` contains `phrase` as whole words, in `locale`'s case rules. */
export function mentions(text: string, phrase: string, locale: string): boolean {
  const haystack = normalizeSpeech(text, locale);
  const needle = normalizeSpeech(phrase, locale);
  if (!needle) return false;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    if ((before === undefined || !WORD_CHAR.test(before)) && (after === undefined || !WORD_CHAR.test(after))) return true;
  }
  return false;
}

/** The first of `phrases` that `text` mentions, if any. */
export function firstMention(text: string, phrases: readonly string[], locale: string): string | undefined {
  return phrases.find((phrase) => mentions(text, phrase, locale));
}
