import { firstMention, keywordTokens, mentions } from './keyword-match';

describe('keyword matching', () => {
  it('finds keywords as whole words or phrases, in any case', () => {
    expect(mentions('There is some SWELLING on my gum', 'swelling')).toBe(true);
    expect(mentions('I study on campus', 'pus')).toBe(false);
    expect(mentions('My tooth got knocked out.', 'knocked out')).toBe(true);
    expect(mentions('my tooth got knocked', 'knocked out')).toBe(false);
    expect(mentions('anything', ' - ')).toBe(false);
  });

  it('folds accents, punctuation and plurals the way the built-in engine does', () => {
    expect(mentions('It won’t  stop bleeding', "won't stop bleeding")).toBe(true);
    expect(mentions('knocked-out', 'knocked out')).toBe(true);
    expect(mentions("J'ai de la fievre", 'fièvre')).toBe(true);
    expect(mentions('Are you open on Saturdays?', 'saturday')).toBe(true);
    expect(keywordTokens('Las CITAS, por favor; glass')).toEqual(['las', 'cita', 'por', 'favor', 'glass']);
  });

  it('returns the first keyword of a list that is mentioned', () => {
    expect(firstMention('Tengo la cara hinchada', ['urgencia', 'hinchada', 'cara'])).toBe('hinchada');
    expect(firstMention('Todo bien', ['urgencia'])).toBeUndefined();
  });
});
