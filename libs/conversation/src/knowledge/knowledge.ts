import type { i18n as I18n } from 'i18next';
import type { LoadedPack } from '@tero/core';
import type { AgentProfile, Brand, Client } from '@tero/db';
import { PACK_INTENTS, type LocalizedText, type PackIntent, type PromptContext } from '@tero/sdk';
import type { AgentKnowledge, KnownFaq, KnownService } from '../engine.port';
import { lexiconFor } from '../builtin/lexicons';
import { promptHours, renderPromptTemplate } from './prompt-renderer';

/** The parts of a client's agent profile the agent's knowledge is made of. */
export type KnowledgeProfile = Pick<
  AgentProfile,
  'agentName' | 'address' | 'businessPhone' | 'hours' | 'exceptions' | 'services' | 'faq' | 'emergencyKeywords' | 'policies'
> &
  Partial<Pick<AgentProfile, 'transferNumber' | 'onCallNumber'>>;

/** What {@link buildKnowledge} reads: the client's pack, profile, client and brand rows, and the call's locale. */
export interface KnowledgeInput {
  pack: Pick<LoadedPack, 'manifest' | 'prompts'>;
  profile: KnowledgeProfile;
  client: Pick<Client, 'id' | 'name' | 'timezone' | 'locale'>;
  brand: Pick<Brand, 'id' | 'currency'>;
  /** The call's language; when the pack does not speak it, the client's, then English. */
  locale?: string | null;
  /** The server's i18next instance (`createI18n`), for the words the pack does not provide. */
  i18n: I18n;
  /**
   * The client's own templates by locale (its published prompt, or a draft under test), used instead of the
   * pack's for the locale the call ends up in. They must have passed the prompt validation (size, helpers,
   * variables); the renderer still runs them without prototype access.
   */
  templates?: Readonly<Record<string, PromptTemplates>>;
}

/** A system prompt and a greeting template, as a pack ships them or a client edits them. */
export interface PromptTemplates {
  systemPrompt: string;
  greeting: string;
}

/**
 * Everything the agent knows about the business for one locale: the client's own settings (which
 * started as the pack's defaults) with the pack's language data (greeting, prompt, emergency words,
 * intent phrasings). Build it once per client and locale and cache it; engines prepare their own
 * indexes from it once per object.
 */
export function buildKnowledge(input: KnowledgeInput): AgentKnowledge {
  const { pack, profile, client, brand, i18n } = input;
  const manifest = pack.manifest;
  const locale = pickLocale(manifest.locales, input.locale, client.locale);
  const stopwords = new Set(lexiconFor(locale).stopwords);
  const currency = brand.currency;

  const services: KnownService[] = profile.services.map((service) => {
    const name = localized(service.name, locale);
    return {
      id: service.id,
      name,
      keywords: unique([...(service.keywords?.[locale] ?? []), name, ...nameWords(name, stopwords)].map((k) => k.toLowerCase().trim())),
      durationMinutes: service.durationMinutes,
      bufferMinutes: service.bufferMinutes ?? 0,
      price: { amountMinor: service.priceMinor, currency },
      bookable: service.bookable,
    };
  });
  const faq: KnownFaq[] = profile.faq.map((entry) => ({
    id: entry.id,
    question: localized(entry.question, locale),
    answer: localized(entry.answer, locale),
    keywords: unique((entry.keywords?.[locale] ?? []).map((k) => k.toLowerCase().trim())),
  }));

  const context: PromptContext = {
    business: { name: client.name, phone: profile.businessPhone, address: profile.address, timezone: client.timezone },
    hours: promptHours(profile.hours, locale),
    services: services.map((s) => ({ name: s.name, durationMinutes: s.durationMinutes, price: s.price })),
    faq: faq.map((f) => ({ question: f.question, answer: f.answer })),
    agent: { name: profile.agentName },
    locale,
  };
  const t = i18n.getFixedT(locale, 'calls');
  const closedWord = t('agent.hours.closedWord');
  const own = input.templates && Object.hasOwn(input.templates, locale) ? input.templates[locale] : undefined;
  const greetingTemplate = own ? own.greeting : manifest.greeting?.[locale];
  // A template that renders to nothing (a condition no client meets) must not leave the caller in silence.
  const greeting =
    (greetingTemplate ? renderPromptTemplate(greetingTemplate, context, closedWord) : '') || t('agent.greeting', { business: client.name, agent: profile.agentName });
  const promptTemplate = own ? own.systemPrompt : (pack.prompts[locale] ?? pack.prompts.en ?? '');

  const packAction = manifest.emergencyPolicy?.action ?? 'transfer';
  const action = profile.policies?.emergency ?? packAction;
  const intents: Partial<Record<PackIntent, string[]>> = {};
  for (const intent of PACK_INTENTS) {
    const phrasings = manifest.intents?.[intent]?.[locale];
    if (phrasings?.length) intents[intent] = [...phrasings];
  }

  return {
    brandId: brand.id,
    clientId: client.id,
    locale,
    timezone: client.timezone,
    currency,
    business: { name: client.name, phone: profile.businessPhone, address: profile.address },
    agentName: profile.agentName,
    greeting,
    systemPrompt: promptTemplate ? renderPromptTemplate(promptTemplate, context, closedWord) : '',
    services,
    faq,
    hours: profile.hours,
    exceptions: profile.exceptions ?? [],
    emergencyKeywords: unique(
      [...(manifest.emergencyKeywords[locale] ?? []), ...(profile.emergencyKeywords?.[locale] ?? [])].map((k) => k.toLowerCase().trim()),
    ),
    // The pack's words fit only the pack's action: a client who changed the action gets the engine's own words.
    emergencyPolicy: { action, say: action === packAction ? (manifest.emergencyPolicy?.say[locale] ?? '') : '' },
    intents,
    canTransferToHuman: Boolean(profile.transferNumber),
    canTransferEmergency: Boolean(profile.onCallNumber),
  };
}

/** The fields of a new {@link AgentProfile} that come from its client's profession pack. */
export type ProfileDefaults = Pick<AgentProfile, 'hours' | 'services' | 'faq' | 'capacity' | 'policies'>;

/**
 * The starting point of a client's agent profile: the pack's hours, services, FAQ and capacity, and
 * route policies that let the AI answer whenever it can. Copies, so that editing a profile never
 * changes the loaded pack.
 */
export function profileDefaultsFromPack(pack: Pick<LoadedPack, 'manifest'>): ProfileDefaults {
  const manifest = pack.manifest;
  return {
    hours: Object.fromEntries(Object.entries(manifest.hours).map(([day, intervals]) => [day, intervals.map(([a, b]) => [a, b] as [string, string])])),
    services: manifest.services.map((s) => ({
      id: s.id,
      name: { ...s.name },
      keywords: copyLists(s.keywords ?? {}),
      durationMinutes: s.durationMinutes,
      bufferMinutes: s.bufferMinutes ?? 0,
      priceMinor: s.priceMinor,
      bookable: s.bookable,
    })),
    faq: manifest.faq.map((f) => ({ id: f.id, question: { ...f.question }, answer: { ...f.answer }, keywords: copyLists(f.keywords ?? {}) })),
    capacity: manifest.capacity ?? 1,
    policies: {
      afterHours: 'ai',
      holiday: 'ai',
      // A client suspended for an unpaid bill still gets its calls: on its own phone (or voicemail when it has none).
      suspended: 'forward',
      quotaExceeded: 'message',
      emergency: manifest.emergencyPolicy?.action ?? 'transfer',
    },
  };
}

/** The call's locale if the pack speaks it, else the client's, else English. */
function pickLocale(packLocales: readonly string[], requested: string | null | undefined, clientLocale: string): string {
  if (requested && packLocales.includes(requested)) return requested;
  if (packLocales.includes(clientLocale)) return clientLocale;
  return 'en';
}

function localized(text: LocalizedText, locale: string): string {
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? '';
}

function nameWords(name: string, stopwords: ReadonlySet<string>): string[] {
  return name
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 3 && !stopwords.has(word));
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))];
}

function copyLists(lists: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(lists).map(([key, list]) => [key, [...list]]));
}
