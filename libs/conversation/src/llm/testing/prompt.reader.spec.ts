import { parseLocal } from '@tero/core';
import type { AgentKnowledge, CallFacts } from '../../engine.port';
import { agentSystemPrompt } from '../agent-instructions';
import { readPrompt } from './prompt.reader';

const TZ = 'Europe/Paris';
const knowledge = {
  locale: 'fr',
  timezone: TZ,
  systemPrompt: [
    'Vous êtes Ava, du cabinet.',
    '## Horaires',
    'lundi : 08:00 – 17:00',
    'samedi : fermé',
    '## Questions',
    'Q : Prenez-vous de nouveaux patients ?',
    'R : Oui, volontiers.',
  ].join('\n'),
  services: [
    { id: 'cleaning', name: 'Détartrage, polissage', keywords: ['détartrage', 'tartre'], durationMinutes: 60, bufferMinutes: 0, price: { amountMinor: 12000, currency: 'EUR' }, bookable: true },
    { id: 'emergency-visit', name: "Consultation d'urgence", keywords: [], durationMinutes: 30, bufferMinutes: 0, price: { amountMinor: 0, currency: 'EUR' }, bookable: false },
  ],
  canTransferToHuman: false,
  canTransferEmergency: true,
} as unknown as AgentKnowledge;
const call: CallFacts = { callSid: 'CA1', callerNumber: '+33612345678', now: parseLocal('2026-03-09T10:15', TZ), route: 'open' };

describe('readPrompt (the scripted model reading the LLM agent prompt)', () => {
  it('reads back the call facts, services, answers and hours the agent wrote', () => {
    const facts = readPrompt(agentSystemPrompt(call, knowledge));

    expect(facts).toMatchObject({ locale: 'fr', timezone: TZ, callerNumber: '+33612345678', canTransferHuman: false, canTransferEmergency: true });
    expect(facts.now.toISOString()).toBe(call.now.toISOString());
    expect(facts.services).toEqual([
      { id: 'cleaning', name: 'Détartrage, polissage', durationMinutes: 60, keywords: ['détartrage', 'tartre'], bookable: true },
      { id: 'emergency-visit', name: "Consultation d'urgence", durationMinutes: 30, keywords: [], bookable: false },
    ]);
    expect(facts.faq).toEqual([{ question: 'Prenez-vous de nouveaux patients ?', answer: 'Oui, volontiers.' }]);
    expect([facts.hours.get(0), facts.hours.get(5)]).toEqual(['lundi : 08:00 – 17:00', 'samedi : fermé']);
  });

  it('refuses a prompt without the call facts', () => {
    expect(() => readPrompt('You are a receptionist.')).toThrow(/no call facts/);
  });
});
