import { join, resolve } from 'node:path';
import { createI18n } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import { SAMPLE_PACK } from '../testing';
import { buildKnowledge, profileDefaultsFromPack, type KnowledgeInput } from './knowledge';

const repo = resolve(__dirname, '../../../..');

describe('agent knowledge', () => {
  let i18n: I18n;
  let input: (overrides?: Partial<KnowledgeInput>) => KnowledgeInput;
  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    const defaults = profileDefaultsFromPack(SAMPLE_PACK);
    input = (overrides = {}) => ({
      pack: SAMPLE_PACK,
      profile: {
        ...defaults,
        agentName: 'Nora',
        address: '5 Elm Street',
        businessPhone: '+15550009999',
        exceptions: [{ date: '2026-12-25', name: 'Christmas', hours: [] }],
        emergencyKeywords: { en: ['Collapsed'] },
        transferNumber: '+15550001000',
        onCallNumber: null,
      },
      client: { id: 'c1', name: 'Elm Physio', timezone: 'Europe/Paris', locale: 'fr' },
      brand: { id: 'b1', currency: 'EUR' },
      locale: 'en',
      i18n,
      ...overrides,
    });
  });

  it('starts a profile from the pack, with buffers, keywords and AI-first policies', () => {
    const defaults = profileDefaultsFromPack(SAMPLE_PACK);
    expect(defaults.services.map((s) => [s.id, s.bufferMinutes])).toEqual([
      ['assessment', 15],
      ['massage', 0],
      ['home-visit', 0],
    ]);
    expect(defaults.services[1]!.keywords?.en).toEqual(['massage', 'sore muscles']);
    expect(defaults.capacity).toBe(1);
    expect(defaults.policies).toEqual({ afterHours: 'ai', holiday: 'ai', suspended: 'forward', quotaExceeded: 'message', emergency: 'transfer' });
    defaults.hours.mon![0]![0] = '06:00';
    expect(SAMPLE_PACK.manifest.hours.mon[0]![0]).toBe('09:00');
  });

  it('renders the greeting and the prompt with the client’s facts, in the call’s locale', () => {
    const knowledge = buildKnowledge(input());
    expect(knowledge.greeting).toBe('Thanks for calling Elm Physio, this is Nora. How can I help?');
    expect(knowledge.systemPrompt).toContain('You are Nora at Elm Physio.');
    expect(knowledge.systemPrompt).toContain('Monday: 9:00 AM – 12:00 PM, 2:00 PM – 6:00 PM');
    expect(knowledge.systemPrompt).toContain('Saturday: closed');
    expect(knowledge.systemPrompt).toContain('Sports massage: €55.00');
    const french = buildKnowledge(input({ locale: 'fr' }));
    expect(french.greeting).toBe('Elm Physio, bonjour, Nora à votre écoute.');
    expect(french.systemPrompt).toContain('samedi : fermé');
    expect(french.services[1]!.name).toBe('Massage sportif');
  });

  it('falls back to the client’s locale, then English, when the pack lacks the call’s', () => {
    expect(buildKnowledge(input({ locale: 'de' })).locale).toBe('fr');
    expect(buildKnowledge(input({ locale: 'de', client: { id: 'c1', name: 'Elm Physio', timezone: 'Europe/Paris', locale: 'pt' } })).locale).toBe('en');
    expect(buildKnowledge(input({ locale: null })).locale).toBe('fr');
  });

  it('joins the pack’s and the client’s emergency words and keeps the pack’s words only for the pack’s action', () => {
    const knowledge = buildKnowledge(input());
    expect(knowledge.emergencyKeywords).toEqual(['chest pain', 'fainted', 'emergency', 'collapsed']);
    expect(knowledge.emergencyPolicy).toEqual({ action: 'transfer', say: 'Please hold, I am putting you through to the therapist on call.' });
    const changed = buildKnowledge(input({ profile: { ...input().profile, policies: { ...input().profile.policies, emergency: 'message' } } }));
    expect(changed.emergencyPolicy).toEqual({ action: 'message', say: '' });
    expect(knowledge.canTransferToHuman).toBe(true);
    expect(knowledge.canTransferEmergency).toBe(false);
  });

  it('lists services with their keywords, name words and prices in the brand’s currency', () => {
    const knowledge = buildKnowledge(input());
    const massage = knowledge.services.find((s) => s.id === 'massage')!;
    expect(massage.keywords).toEqual(['massage', 'sore muscles', 'sports massage', 'sports']);
    expect(massage.price).toEqual({ amountMinor: 5500, currency: 'EUR' });
    expect(knowledge.faq[0]).toMatchObject({ id: 'insurance', keywords: ['insurance', 'insurer'] });
    expect(knowledge.exceptions).toEqual([{ date: '2026-12-25', name: 'Christmas', hours: [] }]);
    expect(knowledge.intents.book).toEqual(['I would like to see a physio']);
  });

  it('uses the engine’s own greeting when the pack has none for the locale', () => {
    const pack = { ...SAMPLE_PACK, manifest: { ...SAMPLE_PACK.manifest, greeting: { en: 'Hi from {{business.name}}' } } };
    expect(buildKnowledge(input({ pack, locale: 'es' })).greeting).toBe(
      'Gracias por llamar a Elm Physio. Le atiende Nora, un asistente virtual. ¿En qué puedo ayudarle?',
    );
  });
});
