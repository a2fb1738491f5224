import { accentedWords, foldedWords, foldText, matchTokens } from './text';

/** The folding rules written out once for every text, as the fast path for plain ASCII must match them. */
const reference = {
  fold: (text: string) => text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim(),
  accented: (text: string) => text.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim(),
};
const words = (line: string) => (line ? line.split(' ') : []);

describe('text folding', () => {
  it('folds accents, case and punctuation so that every spelling meets', () => {
    expect(foldText('  Détartrage, SVP ! ')).toBe('detartrage svp');
    expect(foldedWords("It's 555-014-2233.")).toEqual(['it', 's', '555', '014', '2233']);
    expect(matchTokens('Saturdays citas')).toEqual(['saturday', 'cita']);
    expect(accentedWords('Sí, ¿MAÑANA?')).toEqual(['sí', 'mañana']);
    expect(foldedWords(' ?! ')).toEqual([]);
  });

  it('reads plain ASCII exactly as any other text', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const samples = ['What are your opening hours?', "I'd like a CLEANING on Thursday_the 3rd, at 3:30pm!!", '\t\n\u0000\u007f  ', '', 'a', '-x-', 'A1b2_C3'];
    for (let n = 0; n < 2000; n++) samples.push(Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 128))).join(''));
    for (const text of samples) {
      expect([text, foldText(text)]).toEqual([text, reference.fold(text)]);
      expect([text, foldedWords(text)]).toEqual([text, words(reference.fold(text))]);
      expect([text, accentedWords(text)]).toEqual([text, words(reference.accented(text))]);
    }
  });
});
