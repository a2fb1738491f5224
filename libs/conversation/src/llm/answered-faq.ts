import type { KnownFaq } from '../engine.port';

/**
 * Which of the business's answers a model's reply gave, if any, so that the call can be recorded as
 * `answered` without asking the model (a tool round would cost the caller a second of silence). A
 * reply gives an answer when it uses at least half of that answer's meaningful words: a model
 * rephrases, but keeps the facts (prices, days, names) and most of their words.
 */

/** Words shorter than this carry too little meaning to compare ("the", "de", "les"). */
const MIN_WORD = 4;
/** Share of an answer's words a reply must use. */
export const ANSWER_SHARE = 0.5;

function meaningfulWords(text: string, locale: string): Set<string> {
  const folded = text.normalize('NFD').replace(/\p{M}+/gu, '').toLocaleLowerCase(locale);
  return new Set(folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= MIN_WORD || /^\d+$/.test(word)));
}

/** The FAQ entry whose answer `reply` gives, the closest when several do; undefined when none does. */
export function answeredFaq(reply: string, faq: readonly KnownFaq[], locale: string): KnownFaq | undefined {
  const said = meaningfulWords(reply, locale);
  let best: { entry: KnownFaq; share: number } | undefined;
  for (const entry of faq) {
    const words = meaningfulWords(entry.answer, locale);
    if (words.size === 0) continue;
    let used = 0;
    for (const word of words) if (said.has(word)) used++;
    const share = used / words.size;
    if (share >= ANSWER_SHARE && (!best || share > best.share)) best = { entry, share };
  }
  return best?.entry;
}
