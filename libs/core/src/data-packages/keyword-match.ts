/**
 * How a pack's keywords are found in what a caller said, the way the built-in engine reads them: both
 * sides lower-cased, accents folded, every run of other characters than letters and digits read as one
 * space, and a plural `s` dropped from words of four letters or more; a keyword is mentioned when its
 * words appear in a row ("pus" is not in "campus", "knocked-out" is in "it got knocked out", "fièvre"
 * is in "j'ai de la fievre"). The linter uses it to check that scenarios say what the pack listens for
 * (PACK049).
 */

const MARKS = /\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** The words of a text as keywords are compared: folded and lightly stemmed. */
export function keywordTokens(text: string): string[] {
  const folded = text.normalize('NFD').replace(MARKS, '').toLowerCase().replace(NOT_WORD, ' ').trim();
  return folded ? folded.split(' ').map((w) => (w.length >= 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w)) : [];
}

/** Whether `text` contains the words of `phrase` in a row. */
export function mentions(text: string, phrase: string): boolean {
  const words = keywordTokens(text);
  const wanted = keywordTokens(phrase);
  if (wanted.length === 0) return false;
  for (let i = 0; i + wanted.length <= words.length; i++) {
    if (wanted.every((w, j) => words[i + j] === w)) return true;
  }
  return false;
}

/** The first of `phrases` that `text` mentions, if any. */
export function firstMention(text: string, phrases: readonly string[]): string | undefined {
  return phrases.find((phrase) => mentions(text, phrase));
}
