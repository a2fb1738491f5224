import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n as I18nInstance } from 'i18next';

export const SUPPORTED_LOCALES = ['en', 'es', 'fr'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const NAMESPACES = ['ui', 'emails', 'calls', 'errors', 'billing', 'numbers', 'monitoring', 'recordings', 'onboarding', 'voices', 'prompts', 'analytics'] as const;

export function isSupportedLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** Loads `locales/<lng>/<ns>.json` into one i18next instance; English is the fallback for a missing key. */
export async function createI18n(localesDir: string): Promise<I18nInstance> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const lng of existsSync(localesDir) ? readdirSync(localesDir) : []) {
    if (!isSupportedLocale(lng)) continue;
    resources[lng] = {};
    for (const ns of NAMESPACES) {
      const file = join(localesDir, lng, `${ns}.json`);
      if (existsSync(file)) resources[lng][ns] = JSON.parse(readFileSync(file, 'utf8'));
    }
  }
  const instance = i18next.createInstance();
  await instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...SUPPORTED_LOCALES],
    ns: [...NAMESPACES],
    defaultNS: 'ui',
    interpolation: { escapeValue: false }, // Handlebars escapes on output
    returnNull: false,
    initAsync: false,
    showSupportNotice: false,
  } as Parameters<I18nInstance['init']>[0]);
  return instance;
}

/**
 * The language a person reads: their explicit choice (a `lang` query or cookie, their profile), then
 * what their browser asks for, then the client's, then the brand's, then English.
 */
export function negotiateLocale(candidates: { explicit?: unknown[]; acceptLanguage?: string; client?: string | null; brand?: string | null }): Locale {
  for (const value of candidates.explicit ?? []) if (isSupportedLocale(value)) return value;
  for (const tag of parseAcceptLanguage(candidates.acceptLanguage)) {
    const base = tag.split('-')[0];
    if (isSupportedLocale(base)) return base;
  }
  if (isSupportedLocale(candidates.client)) return candidates.client;
  if (isSupportedLocale(candidates.brand)) return candidates.brand;
  return 'en';
}

export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag, q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((entry) => entry.tag);
}
