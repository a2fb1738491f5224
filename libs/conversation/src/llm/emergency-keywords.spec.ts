import { mentionedKeyword } from './emergency-keywords';

describe('mentionedKeyword', () => {
  it('finds keywords as whole words, whatever the case, accents and punctuation', () => {
    expect(mentionedKeyword('His tooth got KNOCKED-OUT!', ['knocked out'], 'en')).toBe('knocked out');
    expect(mentionedKeyword("J'ai un abces depuis ce matin", ['abcès'], 'fr')).toBe('abcès');
    expect(mentionedKeyword('Tengo la cara muy hinchada', ['fiebre', 'cara hinchada', 'muy hinchada'], 'es')).toBe('muy hinchada');
    expect(mentionedKeyword('I study on campus', ['pus'], 'en')).toBeUndefined();
  });

  it('does not count a keyword negated just before it', () => {
    expect(mentionedKeyword("It's not an emergency, just a question", ['emergency'], 'en')).toBeUndefined();
    expect(mentionedKeyword("Ce n'est pas urgent", ['urgent'], 'fr')).toBeUndefined();
    expect(mentionedKeyword('No es urgente, pero hay una fuga', ['urgente', 'fuga'], 'es')).toBe('fuga');
    expect(mentionedKeyword('No idea why, but there is bleeding that will not stop', ['bleeding'], 'en')).toBe('bleeding');
  });
});
