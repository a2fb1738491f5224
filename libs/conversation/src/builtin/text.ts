/**
 * Text normalisation shared by every matcher of the built-in engine: callers' words and the pack's
 * keywords go through the same steps, so that "Détartrage", "detartrage" and "détartrages" meet.
 */

const MARKS = /\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

const ASCII = /^[\x00-\x7f]*$/;
const NOT_ASCII_WORD = /[^a-z0-9]+/g;

/** Lower case, accents folded, every run of non-letters and non-digits turned into one space, trimmed. */
export function foldText(text: string): string {
  // Plain ASCII (most English speech) has no accents to fold, and its only letters and digits are a-z and 0-9.
  if (ASCII.test(text)) return text.toLowerCase().replace(NOT_ASCII_WORD, ' ').trim();
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
  if (ASCII.test(text)) return asciiWords(text);
  const folded = foldText(text);
  return folded ? folded.split(' ') : [];
}

/** {@link foldedWords} of plain ASCII, in one pass over its characters. */
function asciiWords(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      words.push(text.slice(start, i).toLowerCase());
      start = -1;
    }
  }
  return words;
}

/** Folded and stemmed words of a text: what phrase matching compares. */
export function matchTokens(text: string): string[] {
  return foldedWords(text).map(stem);
}

/** Lower-case words with their accents kept, for the few words whose accent changes their meaning. */
export function accentedWords(text: string): string[] {
  const lower = ASCII.test(text) ? text.toLowerCase().replace(NOT_ASCII_WORD, ' ').trim() : text.normalize('NFC').toLowerCase().replace(NOT_WORD, ' ').trim();
  return lower ? lower.split(' ') : [];
}
