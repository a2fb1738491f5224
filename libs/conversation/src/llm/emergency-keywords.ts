/**
 * Finds a business's emergency keywords in what a caller said, before any model hears it: as whole
 * words or phrases ("swelling" is in "there's some swelling", "pus" is not in "campus"), ignoring case,
 * accents (speech-to-text is not consistent with them) and punctuation ("l'abcès" mentions "abcès").
 */

/** Lower case, accents and marks removed, every run of characters that are not letters or digits one space. */
function fold(text: string, locale: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase(locale)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The first of `keywords` that `text` mentions as whole words, if any. */
export function mentionedKeyword(text: string, keywords: readonly string[], locale: string): string | undefined {
  const haystack = ` ${fold(text, locale)} `;
  return keywords.find((keyword) => {
    const needle = fold(keyword, locale);
    return needle !== '' && haystack.includes(` ${needle} `);
  });
}
