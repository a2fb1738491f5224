import { join } from 'node:path';
import { createI18n, negotiateLocale, parseAcceptLanguage } from './i18n';

describe('negotiateLocale', () => {
  it('prefers an explicit choice, then the browser, then client, then brand', () => {
    expect(negotiateLocale({ explicit: ['fr'], acceptLanguage: 'es', client: 'en' })).toBe('fr');
    expect(negotiateLocale({ explicit: [undefined, 'xx'], acceptLanguage: 'de-DE,es;q=0.8,fr;q=0.5' })).toBe('es');
    expect(negotiateLocale({ acceptLanguage: 'de', client: 'fr', brand: 'es' })).toBe('fr');
    expect(negotiateLocale({ brand: 'es' })).toBe('es');
    expect(negotiateLocale({})).toBe('en');
  });
  it('orders Accept-Language by quality and ignores q=0', () => {
    expect(parseAcceptLanguage('fr;q=0.3, es-MX , en;q=0')).toEqual(['es-mx', 'fr']);
  });
});

describe('createI18n', () => {
  it('translates from the repository locales, falling back to English', async () => {
    const i18n = await createI18n(join(__dirname, '../../../../locales'));
    expect(i18n.t('ui:login.title', { lng: 'es' })).not.toBe(i18n.t('ui:login.title', { lng: 'en' }));
    expect(i18n.t('ui:login.title', { lng: 'fr' })).not.toBe('login.title');
  });
});
