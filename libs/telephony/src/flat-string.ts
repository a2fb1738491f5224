/**
 * The text as one flat string. A string joined from parts (`sig:${digest}`, a template of ids) is a V8 cons
 * string: a 32-byte pair per join pointing at its parts, kept as long as the result is. Held by the
 * hundred thousand (replay claims, finished calls), the pairs cost more than the text. `normalize()` hands
 * back the flattened text (~70 ns; a Buffer round trip costs 170); a text that normalization would change
 * (decomposed accents) is kept exactly as given.
 */
export function flat(text: string): string {
  const normalized = text.normalize();
  return normalized === text ? normalized : text;
}
