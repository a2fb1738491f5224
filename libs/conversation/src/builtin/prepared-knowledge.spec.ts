import { join, resolve } from 'node:path';
import { createI18n } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import { createPackHarness, SAMPLE_PACK } from '../testing';
import { PreparedKnowledge } from './prepared-knowledge';

const repo = resolve(__dirname, '../../../..');

describe('what the built-in engine understands', () => {
  let i18n: I18n;
  let prepared: (locale: string) => PreparedKnowledge;
  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    const harness = createPackHarness(SAMPLE_PACK, i18n);
    prepared = (locale) => PreparedKnowledge.of(harness.knowledge(locale));
  });
  const goal = (locale: string, text: string) => {
    const p = prepared(locale);
    return p.goals(p.utterance(text))[0]?.goal;
  };
  const yesNo = (locale: string, text: string) => prepared(locale).yesNo(prepared(locale).utterance(text));
  const backchannel = (locale: string, text: string) => prepared(locale).onlyBackchannel(prepared(locale).utterance(text));

  it('ranks what callers want in three languages', () => {
    expect(goal('en', 'I would like to book a massage')).toBe('book');
    expect(goal('en', 'I need to cancel my appointment on Friday')).toBe('cancel');
    expect(goal('en', 'Can I move my massage to another day?')).toBe('reschedule');
    expect(goal('en', 'What are your opening hours?')).toBe('hours');
    expect(goal('en', 'Where are you located?')).toBe('location');
    expect(goal('en', 'Do you take my insurance?')).toBe('faq');
    expect(goal('en', 'How much is a sports massage?')).toBe('faq');
    expect(goal('en', 'Can I speak to a real person?')).toBe('human');
    expect(goal('en', 'Could the therapist call me back?')).toBe('message');
    expect(goal('es', 'Quiero pedir cita para un masaje')).toBe('book');
    expect(goal('es', 'Tengo que cancelar mi cita del viernes')).toBe('cancel');
    expect(goal('es', '¿A qué hora abren el sábado?')).toBe('hours');
    expect(goal('es', '¿Puedo hablar con una persona?')).toBe('human');
    expect(goal('es', '¿Puedo dejar un mensaje para el fisioterapeuta?')).toBe('message');
    expect(goal('fr', 'Je voudrais prendre rendez-vous pour un massage')).toBe('book');
    expect(goal('fr', 'Je dois annuler mon rendez-vous')).toBe('cancel');
    expect(goal('fr', 'Quelle est votre adresse ?')).toBe('location');
    expect(goal('fr', 'Vous prenez ma mutuelle ?')).toBe('faq');
  });

  it('uses the pack’s example phrasings', () => {
    expect(goal('en', 'I would like to see a physio please')).toBe('book');
    expect(goal('fr', 'je voudrais voir un kiné')).toBe('book');
  });

  it('hears emergencies unless they are denied', () => {
    const en = prepared('en');
    expect(en.emergency(en.utterance('My husband has chest pain'))).toBe('chest pain');
    expect(en.emergency(en.utterance("It's not an emergency, I just want a massage"))).toBeNull();
    const fr = prepared('fr');
    expect(fr.emergency(fr.utterance("Ce n'est pas une urgence"))).toBeNull();
    expect(fr.emergency(fr.utterance('Il a une douleur à la poitrine'))).toBe('douleur à la poitrine');
  });

  it('takes a plain yes as yes, and a listening noise as no answer', () => {
    expect(yesNo('en', 'Yes')).toBe('yes');
    expect(yesNo('en', 'Ok sure')).toBe('yes');
    expect(yesNo('en', 'No problem, go ahead')).toBe('yes');
    expect(yesNo('en', 'No, that does not work')).toBe('no');
    expect(yesNo('en', 'ok')).toBeNull();
    expect(backchannel('en', 'mm-hmm')).toBe(true);
    expect(backchannel('en', 'Uh huh, okay')).toBe(true);
    expect(backchannel('en', 'ok sure')).toBe(false);
    expect(yesNo('es', 'Sí, está bien')).toBe('yes');
    expect(yesNo('es', 'A nombre de Javier. Sí, cancélela.')).toBe('yes');
    expect(yesNo('es', 'si es posible el jueves')).toBe('yes');
    expect(yesNo('es', 'el jueves si es posible')).toBeNull();
    expect(backchannel('es', 'vale')).toBe(true);
    expect(yesNo('es', 'vale, perfecto')).toBe('yes');
    expect(yesNo('fr', 'Oui, c’est parfait')).toBe('yes');
    expect(backchannel('fr', "d'accord")).toBe(true);
    expect(yesNo('fr', "oui d'accord")).toBe('yes');
    expect(yesNo('fr', 'non merci')).toBe('no');
  });

  it('finds the service named, preferring the pack’s own keywords to words of a name', () => {
    const en = prepared('en');
    expect(en.service(en.utterance('my muscles are sore, I need a massage'))?.service.id).toBe('massage');
    expect(en.service(en.utterance('a first assessment'))?.service.id).toBe('assessment');
    expect(en.service(en.utterance('can you come for a home visit?'))?.service.id).toBe('home-visit');
    expect(en.service(en.utterance('hello there'))).toBeNull();
  });

  it('is built once per knowledge object', () => {
    const harness = createPackHarness(SAMPLE_PACK, i18n);
    const knowledge = harness.knowledge('en');
    expect(PreparedKnowledge.of(knowledge)).toBe(PreparedKnowledge.of(knowledge));
  });
});
