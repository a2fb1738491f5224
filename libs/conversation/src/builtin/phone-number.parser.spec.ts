import { spellPhone } from '../spoken-format';
import { callingCodeOf, findPhoneNumber, toE164 } from './phone-number.parser';

describe('phone numbers heard from callers', () => {
  const us = '+15550001111';

  it('reads digit groups in any of the three languages, in the caller’s country', () => {
    expect(findPhoneNumber('My number is 555 014 2233.', 'en', us)?.e164).toBe('+15550142233');
    expect(findPhoneNumber('call me at (555) 014-2233 please', 'en', us)?.e164).toBe('+15550142233');
    expect(findPhoneNumber('mi teléfono es el 555.012.3456, gracias', 'es', us)?.e164).toBe('+15550123456');
    expect(findPhoneNumber('Je suis Claire Dubois, au 555 016 2211, plutôt en fin de journée.', 'fr', us)?.e164).toBe('+15550162211');
  });

  it('reads spoken digits, alone or mixed with digit groups', () => {
    expect(findPhoneNumber('five five five, oh one four, two two three three', 'en', us)?.e164).toBe('+15550142233');
    expect(findPhoneNumber('cinco cinco cinco cero uno dos tres cuatro cinco seis', 'es', us)?.e164).toBe('+15550123456');
    expect(findPhoneNumber('cinq cinq cinq zéro un six deux deux un un', 'fr', us)?.e164).toBe('+15550162211');
    expect(findPhoneNumber('555 oh one four 2233', 'en', us)?.e164).toBe('+15550142233');
  });

  it('says where the number was, so its digits are not read as a time', () => {
    const text = 'It is 555 014 2233, any time after 3';
    const found = findPhoneNumber(text, 'en', us)!;
    expect(text.slice(found.start, found.end)).toBe('555 014 2233');
  });

  it('leaves times, dates and short numbers alone', () => {
    expect(findPhoneNumber('Tuesday at 10:30, or the 12th at 3', 'en', us)).toBeNull();
    expect(findPhoneNumber('I live at 1200 Main Street', 'en', us)).toBeNull();
    expect(findPhoneNumber('un rendez-vous pour une personne', 'fr', us)).toBeNull();
  });

  it('normalises to E.164 with the caller’s country, +1 by default for ten digits', () => {
    expect(toE164('5550142233', false, null)).toBe('+15550142233');
    expect(toE164('15550142233', false, us)).toBe('+15550142233');
    expect(toE164('0142233', false, us)).toBe('+15550142233');
    expect(toE164('0612345678', false, '+33140000000')).toBe('+33612345678');
    expect(toE164('612345678', false, '+34911000000')).toBe('+34612345678');
    expect(toE164('442071234567', true, us)).toBe('+442071234567');
    expect(toE164('00442071234567', false, us)).toBe('+442071234567');
    expect(toE164('12345', false, us)).toBeNull();
    expect(toE164('0142233', false, null)).toBeNull();
  });

  it('knows the calling code of a caller id', () => {
    expect(callingCodeOf('+15550142233')).toBe('1');
    expect(callingCodeOf('+33612345678')).toBe('33');
    expect(callingCodeOf('+353851234567')).toBe('353');
    expect(callingCodeOf('anonymous')).toBeNull();
  });

  it('reads numbers back digit by digit', () => {
    expect(spellPhone('+15550142233')).toBe('5 5 5, 0 1 4, 2 2 3 3');
    expect(spellPhone('+33612345678')).toBe('+ 3 3 6, 1 2 3, 4 5 6, 7 8');
  });
});
