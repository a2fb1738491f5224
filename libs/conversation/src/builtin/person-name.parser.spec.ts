import { findIntroducedName, readBareName, readNameAnswer } from './person-name.parser';

describe('caller names', () => {
  it.each([
    ['en', 'My name is Kevin Brooks.', 'Kevin Brooks'],
    ['en', "It's for me, Maria Lopez. I've been there before.", 'Maria Lopez'],
    ['en', 'Sure, it’s James Carter, 555 017 8890, any time after 3.', 'James Carter'],
    ['en', 'Hi, this is David Kim. I need to move my check-up.', 'David Kim'],
    ['en', 'The name is Chris Taylor.', 'Chris Taylor'],
    ['es', 'Me llamo Lucía Fernández y mi teléfono es el 555 012 3456.', 'Lucía Fernández'],
    ['es', 'Soy Andrés Morales, mi número es el 555 019 7788.', 'Andrés Morales'],
    ['es', 'A nombre de Javier Ortiz. Sí, cancélela.', 'Javier Ortiz'],
    ['es', 'Me llamo María de la Cruz.', 'María de la Cruz'],
    ['fr', "C'est pour moi, Julien Bernard, je suis déjà patient chez vous.", 'Julien Bernard'],
    ['fr', "Je m'appelle Sophie Martin.", 'Sophie Martin'],
    ['fr', 'Je suis Claire Dubois, au 555 016 2211.', 'Claire Dubois'],
    ['en', 'yes my name is kevin brooks and my number is 555 014 2233', 'Kevin Brooks'],
    ['es', 'me llamo lucía fernández y mi teléfono es el 555 012 3456', 'Lucía Fernández'],
    ['fr', "je m'appelle sophie martin merci", 'Sophie Martin'],
  ])('%s: %s', (locale, text, name) => {
    expect(findIntroducedName(text, locale)).toBe(name);
  });

  it.each([
    ['en', "It's for my appointment on Tuesday."],
    ['en', "I'd like to book for Tuesday."],
    ['en', 'This is urgent, my tooth hurts.'],
    ['es', 'Hola, soy paciente nueva.'],
    ['fr', 'Je suis déjà patient chez vous.'],
    ['fr', "C'est pour un détartrage."],
  ])('finds no name in %s: %s', (locale, text) => {
    expect(findIntroducedName(text, locale)).toBeNull();
  });

  it('takes a short answer to "what is your name?" as the name', () => {
    expect(readNameAnswer('maria lopez', 'en')).toBe('Maria Lopez');
    expect(readNameAnswer("It's Rachel Green.", 'en')).toBe('Rachel Green');
    expect(readNameAnswer('Luis Herrera.', 'es')).toBe('Luis Herrera');
    expect(readNameAnswer('Oui, Camille Durand', 'fr')).toBe('Camille Durand');
  });

  it('does not take answers that are no name', () => {
    expect(readNameAnswer('yes', 'en')).toBeNull();
    expect(readNameAnswer('555 014 2233', 'en')).toBeNull();
    expect(readNameAnswer('I would rather not give my name to a machine today', 'en')).toBeNull();
  });

  it.each([
    ['en', "no that's all, thanks"],
    ['en', "That's all, thanks."],
    ['en', 'no thanks'],
    ['en', 'nothing else'],
    ['en', 'Nothing else.'],
    ['es', 'eso es todo'],
    ['es', 'No gracias.'],
    ['fr', "c'est tout"],
    ['fr', "C'est tout."],
    ['fr', 'non merci'],
  ])('does not take a refusal or a closing for a name (%s: %s)', (locale, text) => {
    expect(readNameAnswer(text, locale)).toBeNull();
  });

  it('keeps a name said with thanks, and names that share a word with a closing', () => {
    expect(readNameAnswer('maria lopez thank you', 'en')).toBe('Maria Lopez');
    expect(readNameAnswer('Will Smith', 'en')).toBe('Will Smith');
  });

  it('takes a clear name said on its own where a yes or no was expected', () => {
    expect(readBareName('Maria Lopez', 'en')).toBe('Maria Lopez');
    expect(readBareName('María de la Cruz.', 'es')).toBe('María de la Cruz');
    expect(readBareName('Marie Dupont', 'fr')).toBe('Marie Dupont');
    for (const text of ['maria lopez', 'Maria', 'Yes Please', "That's All", 'Next Tuesday', 'Maria Lopez 555 0101']) expect(readBareName(text, 'en')).toBeNull();
  });
});
