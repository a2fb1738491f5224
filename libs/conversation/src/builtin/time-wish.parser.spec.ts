import { resolve } from 'node:path';
import * as chrono from 'chrono-node';
import { discoverDataPackages, loadPack, parseLocal } from '@tero/core';
import { lexiconFor } from './lexicons';
import { mayMentionTime, parseTimeWish } from './time-wish.parser';

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

  it('skips reading only what names no time: chrono finds nothing in it either', async () => {
    const repo = resolve(__dirname, '../../../..');
    const packs = await Promise.all((await discoverDataPackages(repo)).packs.map((p) => loadPack(p.dir, { root: repo })));
    const sentences = new Set<string>();
    for (const pack of packs) {
      for (const scenario of pack.scenarios) for (const turn of scenario.turns) sentences.add(turn.caller);
      for (const phrasings of Object.values(pack.manifest.intents ?? {})) for (const list of Object.values(phrasings ?? {})) for (const p of [list].flat()) if (typeof p === 'string') sentences.add(p);
    }
    for (const locale of ['en', 'es', 'fr']) {
      const lexicon = lexiconFor(locale);
      for (const list of [lexicon.greetings, lexicon.confirm, lexicon.deny, lexicon.done, lexicon.backchannel, lexicon.price, lexicon.stopwords, lexicon.weekdays.flat(), lexicon.ordinals.flat()]) for (const p of list) sentences.add(p);
      for (const intent of Object.values(lexicon.intents)) for (const p of [...intent.strong, ...(intent.weak ?? [])]) sentences.add(p);
      for (const value of Object.values(lexicon.time)) for (const p of Array.isArray(value) ? value : Object.values(value).flat()) if (typeof p === 'string') sentences.add(p);
    }
    // Time expressions of every kind chrono reads, and the words it lets run into them.
    const expressions = [
      ...['this weekend', 'a weekday', 'the s', 'a d', 'an h', 'one m', 'the w', 'two y', 'half an hour', 'halfah', 'a couple of days', 'couple weeks', 'several months', 'a few hours'],
      ...['ten minutes', 'twelve secs', 'three qtrs', 'five yrs', 'a mo', 'two mos', 'the mon', 'next week', 'last month', 'past year', 'this quarter', 'after this week', 'three days ago'],
      ...['two weeks later', 'an hour from now', 'a day before', 'a week earlier', 'a month out', 'two days forward', 'five days henceforth', 'in a week', 'within a day', 'around two weeks'],
      ...['Tues', 'thurs', 'wed.', 'sun', 'sat', 'fri', 'next friday', 'thursday of next week', 'monday this week', 'sept.', 'march first', 'first of march', 'the second of june'],
      ...['june twenty-first', 'jan thirty first', 'twentieth of december', 'in april', 'now', 'tonight', 'overmorrow', 'tmr', 'tmrw', 'yesterday', 'last night', 'this morning', 'night'],
      ...['midnight', 'midday', 'noon', 'end of month', 'last day of the month'],
      ...['una hora', 'u h', 'un día', 'dos semanas', 'unos meses', 'algunos minutos', 'doce segundos', 'tres años', 'cuatro anos', 'dentro de dos días', 'durante un mes', 'este miércoles'],
      ...['miercoles', 'próximo jueves', 'viernes pasado', 'sabado', 'dom', 'lun', 'mié', 'jue', 'vie', 'sáb', 'martes próximo semana', 'lunes esta semana', 'ene.', 'setiembre', 'mayo'],
      ...['primero de mayo', 'primero mayo', 'segunda de junio', 'vigésimo primero de marzo', 'en abril', 'ahora', 'manana', 'ayer', 'esta mañana', 'tarde', 'medianoche', 'mediodía', 'mediodia'],
      ...['la semaine', 'les deux semaines', 'le mois dernier', 'les trois jours suivants', "l'heure", 'des heures', 'du jour', 'la prochaine semaine', 'les années précédentes', 'le trimestre'],
      ...['il y a deux jours', 'il y a une heure', 'il y a quelques minutes', 'dans une heure', 'en deux jours', 'pour trois semaines', 'pendant un mois', 'de quatre ans', 'dans un h'],
      ...['dim', 'mer', 'jeu', 'ven', 'sam', 'ce lundi', 'mardi prochain', 'jeudi dernier', 'ce matin', 'cet après-midi', 'aprem', 'a midi', 'à minuit', 'maintenant', 'hier', 'cette nuit', 'la veille'],
    ];
    const joined = ['', 'x', 'on', 'this', 'next', 'of', 'in', 'st', 'th', 'ago', 'later', 'ce', 'cet', 'esta', 'este', 'de', 'en', 'o', 'prochain', 'pasado', 'the', 'a', 'un'];
    const texts = new Set(sentences);
    for (const expression of expressions) {
      for (const form of [expression, expression.replace(/\s+/g, '')]) {
        for (const word of joined) texts.add(`${word}${form}`).add(`${form}${word}`);
        texts.add(`well ${form}, thanks`);
      }
    }
    // Words run together as speech-to-text sometimes writes them, and alone.
    for (const sentence of sentences) {
      const words = sentence.split(/\s+/);
      for (const [i, word] of words.entries()) {
        texts.add(word);
        if (i > 0) texts.add(words[i - 1] + word);
      }
    }
    const reference = { instant: now, timezone: 0 };
    const missed: string[] = [];
    let skipped = 0;
    for (const locale of ['en', 'es', 'fr'] as const) {
      for (const text of texts) {
        for (const variant of [text, text.toUpperCase()]) {
          if (mayMentionTime(variant, locale)) continue;
          skipped++;
          const found = chrono[locale].casual.parse(variant.normalize('NFC'), reference, { forwardDate: true });
          if (found.length > 0 || parseTimeWish(variant, locale, now, zone) !== null) missed.push(`${locale}: "${variant}" → ${found.map((r) => r.text).join(', ')}`);
        }
      }
    }
    expect(missed).toEqual([]);
    expect(skipped).toBeGreaterThan(10_000);
    expect(mayMentionTime('What are your opening hours?', 'en')).toBe(false);
    expect(mayMentionTime('¿Dónde están?', 'es')).toBe(false);
    expect(mayMentionTime('Merci beaucoup', 'fr')).toBe(false);
  });
});
