/**
 * Text normalisation shared by every matcher of the built-in engine: callers' words and the pack's
 * keywords go through the same steps, so that "Détartrage", "detartrage" and "détartrages" meet.
 */

const MARKS = /\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** Lower case, accents folded, every run of non-letters and non-digits turned into one space, trimmed. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase().replace(NOT_WORD, ' ').trim();
}

/**
 * A light stem so that plurals meet their singular: a trailing `s` is dropped from words of four
 * letters or more (`saturdays` → `saturday`, `citas` → `cita`, `samedis` → `samedi`). Both sides of
 * every comparison are stemmed the same way, so the odd stem (`this` → `thi`) does no harm.
 */
export function stem(token: string): string {
  return token.length >= 4 && token.endsWith('s') && !token.endsWith('ss') ? token.slice(0, -1) : token;
}

/** Folded words of a text. */
export function foldedWords(text: string): string[] {
  const folded = foldText(text);
  return folded ? folded.split(' ') : [];
}

/** Folded and stemmed words of a text: what phrase matching compares. */
export function matchTokens(text: string): string[] {
  return foldedWords(text).map(stem);
}

/** Lower-case words with their accents kept, for the few words whose accent changes their meaning. */
export function accentedWords(text: string): string[] {
  const lower = text.normalize('NFC').toLowerCase().replace(NOT_WORD, ' ').trim();
  return lower ? lower.split(' ') : [];
}
