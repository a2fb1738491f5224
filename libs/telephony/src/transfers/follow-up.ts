import type { CallerInput } from '@tero/conversation';

/** The words that name each choice in one language, lower case, without accents. */
export interface FollowUpWords {
  message: string[];
  callback: string[];
}

/** `"message|voicemail|leave"` (a locale string) → its phrases, normalised for matching. */
export function parseWords(list: string): string[] {
  return list
    .split('|')
    .map((word) => normalise(word))
    .filter((word) => word.length > 0);
}

/** Lower case, accents off, punctuation as spaces, single spaces: "¿Llámenme, por favor?" → "llamenme por favor". */
export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

/**
 * What the caller chose after a transfer nobody took: key 1 or a word for a message, key 2 or a phrase for
 * a call back, null when the answer says neither (or both in a way we cannot tell apart: asking again
 * costs a few seconds, a wrong guess costs the caller's request). Words match whole, phrases in order.
 * When both appear, a message wins: a message can ask for a call back, a call back carries no message.
 */
export function chooseFollowUp(input: CallerInput, words: FollowUpWords): 'message' | 'callback' | null {
  if (input.kind === 'dtmf') return input.digits.startsWith('1') ? 'message' : input.digits.startsWith('2') ? 'callback' : null;
  if (input.kind !== 'speech' && !(input.kind === 'low-confidence' && input.text)) return null;
  const said = ` ${normalise(input.text ?? '')} `;
  const message = words.message.some((word) => said.includes(` ${word} `));
  const callback = words.callback.some((word) => said.includes(` ${word} `));
  if (message) return 'message';
  return callback ? 'callback' : null;
}
