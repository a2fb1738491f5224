import { firstMention, mentions, normalizeSpeech } from './keyword-match';

describe('keyword matching', () => {
  it('finds keywords as whole words or phrases, in any case', () => {
    expect(mentions('There is some SWELLING on my gum', 'swelling', 'en')).toBe(true);
    expect(mentions('I study on campus', 'pus', 'en')).toBe(false);
    expect(mentions('My tooth got knocked out.', 'knocked out', 'en')).toBe(true);
    expect(mentions('knocked-out', 'knocked out', 'en')).toBe(false);
    expect(mentions('anything', '  ', 'en')).toBe(false);
  });

  it('reads typographic apostrophes and extra spaces as the plain forms, but keeps accents', () => {
    expect(mentions('It won’t  stop bleeding', "won't stop bleeding", 'en')).toBe(true);
    expect(mentions("J'ai de la FIÈVRE", 'fièvre', 'fr')).toBe(true);
    expect(mentions("J'ai de la fievre", 'fièvre', 'fr')).toBe(false);
    expect(normalizeSpeech('  İstanbul ', 'tr')).toBe('istanbul');
  });

  it('returns the first keyword of a list that is mentioned', () => {
    expect(firstMention('Tengo la cara hinchada', ['urgencia', 'hinchada', 'cara'], 'es')).toBe('hinchada');
    expect(firstMention('Todo bien', ['urgencia'], 'es')).toBeUndefined();
  });
});
