/**
 * Finds a business's emergency keywords in what a caller said, before any model hears it: as whole
 * words or phrases ("swelling" is in "there's some swelling", "pus" is not in "campus"), ignoring case,
 * accents (speech-to-text is not consistent with them) and punctuation ("l'abcès" mentions "abcès").
 * A keyword negated just before ("it's not an emergency", "no es urgente", "ce n'est pas urgent") does
 * not count.
 */

/** Folded words that negate what follows them within {@link NEGATION_REACH} words. */
const NEGATIONS: Record<string, string[]> = {
  en: ['not', 'no', 'never', 'without', 'isn', 'don', 'doesn', 'wasn', 'aren', 'nothing'],
  es: ['no', 'sin', 'nunca', 'ni', 'nada'],
  fr: ['pas', 'sans', 'jamais', 'ni', 'aucun', 'aucune', 'rien'],
};
const NEGATION_REACH = 3;

/** Lower case, accents and marks removed, every run of characters that are not letters or digits one space. */
function fold(text: string, locale: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase(locale)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The first of `keywords` that `text` mentions as whole words without a negation just before, if any. */
export function mentionedKeyword(text: string, keywords: readonly string[], locale: string): string | undefined {
  const words = fold(text, locale).split(' ');
  const negations = new Set(NEGATIONS[locale.split('-')[0]] ?? NEGATIONS.en);
  return keywords.find((keyword) => {
    const needle = fold(keyword, locale).split(' ');
    if (needle[0] === '') return false;
    for (let at = 0; at + needle.length <= words.length; at++) {
      if (!needle.every((word, i) => words[at + i] === word)) continue;
      if (!words.slice(Math.max(0, at - NEGATION_REACH), at).some((word) => negations.has(word))) return true;
    }
    return false;
  });
}
