import { parseLocal } from '@tero/core';
import { parseTimeWish } from './time-wish.parser';

/** Monday 2026-03-09, 10:30 in New York. */
const zone = 'America/New_York';
const now = parseLocal('2026-03-09T10:30', zone);
const wish = (text: string, locale: string, at = now, timeZone = zone) => parseTimeWish(text, locale, at, timeZone);

describe('when callers would like to come', () => {
  it('reads English days, times and parts of the day', () => {
    expect(wish('ideally next Tuesday morning', 'en')).toEqual({ date: '2026-03-17', part: 'morning' });
    expect(wish('Can someone come tomorrow at 2 pm?', 'en')).toEqual({ date: '2026-03-10', time: '14:00' });
    expect(wish('Thursday at 3', 'en')).toEqual({ date: '2026-03-12', time: '15:00' });
    expect(wish('Could you do Thursday the 19th at 9 am?', 'en')).toEqual({ date: '2026-03-19', time: '09:00' });
    expect(wish('first thing Wednesday', 'en')).toEqual({ date: '2026-03-11', part: 'morning', firstThing: true });
    expect(wish('as soon as possible', 'en')).toEqual({ asap: true });
    expect(wish('any time after 3 this week', 'en')).toMatchObject({ after: '15:00' });
    expect(wish('this afternoon', 'en')).toEqual({ date: '2026-03-09', part: 'afternoon' });
    expect(wish('at half past 10 on Friday', 'en')).toEqual({ date: '2026-03-13', time: '10:30' });
  });

  it('reads Spanish, where "mañana" is tomorrow or the morning', () => {
    expect(wish('mañana por la mañana', 'es')).toEqual({ date: '2026-03-10', part: 'morning' });
    expect(wish('el jueves por la tarde, si puede ser', 'es')).toEqual({ date: '2026-03-12', part: 'afternoon' });
    expect(wish('el jueves a las 10 de la mañana', 'es')).toEqual({ date: '2026-03-12', time: '10:00', part: 'morning' });
    expect(wish('pasado mañana a las 4 de la tarde', 'es')).toEqual({ date: '2026-03-11', time: '16:00', part: 'afternoon' });
    // A bare weekday is never the day of the call.
    expect(wish('el lunes a las 9 y media', 'es')).toEqual({ date: '2026-03-16', time: '09:30' });
    expect(wish('lo antes posible', 'es')).toEqual({ asap: true });
    expect(wish('después de las 5', 'es')).toEqual({ after: '17:00' });
  });

  it('reads French days, hours and parts of the day', () => {
    expect(wish('Vous pourriez passer demain matin ?', 'fr')).toEqual({ date: '2026-03-10', part: 'morning' });
    expect(wish('plutôt mardi après-midi', 'fr')).toEqual({ date: '2026-03-10', part: 'afternoon' });
    expect(wish('lundi', 'fr')).toEqual({ date: '2026-03-16' });
    expect(wish('mercredi à 15 h', 'fr')).toEqual({ date: '2026-03-11', time: '15:00' });
    expect(wish('après-demain vers 10 heures', 'fr')).toEqual({ date: '2026-03-11', time: '10:00' });
    expect(wish('jeudi à 10 heures et demie', 'fr')).toEqual({ date: '2026-03-12', time: '10:30' });
    expect(wish('à la première heure', 'fr')).toEqual({ part: 'morning', firstThing: true });
    expect(wish('vers midi', 'fr')).toEqual({ time: '12:00' });
    expect(wish('dès que possible', 'fr')).toEqual({ asap: true });
  });

  it('does not take greetings or other words for a time', () => {
    expect(wish('Hola, buenas tardes. Quería pedir cita para una revisión.', 'es')).toBeNull();
    expect(wish('Good morning, I need a cleaning.', 'en')).toBeNull();
    expect(wish('Bonsoir, je voudrais un rendez-vous.', 'fr')).toBeNull();
    expect(wish('My name is Maria Lopez.', 'en')).toBeNull();
  });

  it('counts days in the business’s zone, not in UTC', () => {
    // 22:30 on Monday in Los Angeles is already Tuesday in UTC: "tomorrow" is still Tuesday.
    const lateInLosAngeles = parseLocal('2026-03-09T22:30', 'America/Los_Angeles');
    expect(wish('tomorrow morning', 'en', lateInLosAngeles, 'America/Los_Angeles')).toEqual({ date: '2026-03-10', part: 'morning' });
    expect(wish('today', 'en', lateInLosAngeles, 'America/Los_Angeles')).toEqual({ date: '2026-03-09' });
  });
});
