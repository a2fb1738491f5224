import { matchTokens } from './text';

/** A phrase found in an utterance: what it stands for, and where (token positions). */
export interface PhraseMatch<T> {
  values: readonly T[];
  start: number;
  length: number;
}

interface IndexedPhrase<T> {
  tokens: string[];
  values: T[];
}

/**
 * Finds known phrases in a tokenised utterance without regular expressions: phrases are indexed by
 * their first token, and at each position the longest phrase that matches wins (so "call me back"
 * is found as one phrase, not as "call"). Built once per lexicon or knowledge, then only read.
 */
export class PhraseIndex<T> {
  private readonly byFirst = new Map<string, IndexedPhrase<T>[]>();

  constructor(entries: Iterable<readonly [phrase: string, value: T]>) {
    const byKey = new Map<string, IndexedPhrase<T>>();
    for (const [phrase, value] of entries) {
      const tokens = matchTokens(phrase);
      if (tokens.length === 0) continue;
      const key = tokens.join(' ');
      const existing = byKey.get(key);
      if (existing) {
        if (!existing.values.includes(value)) existing.values.push(value);
        continue;
      }
      const indexed = { tokens, values: [value] };
      byKey.set(key, indexed);
      const list = this.byFirst.get(tokens[0]!) ?? [];
      list.push(indexed);
      this.byFirst.set(tokens[0]!, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  }

  /** Non-overlapping matches, left to right, the longest phrase at each position. */
  match(tokens: readonly string[]): PhraseMatch<T>[] {
    const found: PhraseMatch<T>[] = [];
    let i = 0;
    while (i < tokens.length) {
      const hit = this.longestAt(tokens, i);
      if (hit) {
        found.push({ values: hit.values, start: i, length: hit.tokens.length });
        i += hit.tokens.length;
      } else {
        i++;
      }
    }
    return found;
  }

  /** Whether any phrase occurs. */
  has(tokens: readonly string[]): boolean {
    for (let i = 0; i < tokens.length; i++) if (this.longestAt(tokens, i)) return true;
    return false;
  }

  private longestAt(tokens: readonly string[], i: number): IndexedPhrase<T> | undefined {
    const candidates = this.byFirst.get(tokens[i]!);
    if (!candidates) return undefined;
    const room = tokens.length - i;
    // Plain loops: this runs at every word of every utterance, for every index.
    next: for (const candidate of candidates) {
      const words = candidate.tokens;
      if (words.length > room) continue;
      for (let k = 1; k < words.length; k++) if (tokens[i + k] !== words[k]) continue next;
      return candidate;
    }
    return undefined;
  }
}
