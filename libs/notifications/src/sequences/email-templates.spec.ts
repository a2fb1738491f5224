import { join, resolve } from 'node:path';
import { createI18n } from '@tero/core';
import { EmailTemplates } from './email-templates';

const ROOT = resolve(__dirname, '../../../..');

describe('EmailTemplates', () => {
  let templates: EmailTemplates;
  beforeAll(async () => {
    templates = EmailTemplates.load(join(ROOT, 'themes'), await createI18n(join(ROOT, 'locales')));
  });
  const input = {
    themeId: 'default',
    tokens: { colorPrimary: '#123456', colorPrimaryText: '#fefefe', colorBackground: '#eeeeee', colorSurface: '#ffffff', colorText: '#111111', colorMuted: '#777777', fontFamily: 'Georgia, serif', radius: '4px' },
    brand: { name: 'Sonrisa & Co' },
    templateId: 'onboarding.welcome',
    vars: { name: 'José <b>', business: 'Clínica Ñandú' },
    ctaUrl: 'https://clinic.example.test/setup',
  };

  it.each([
    ['en', 'Welcome to Sonrisa & Co, José <b>', 'Start the setup'],
    ['es', 'Bienvenido a Sonrisa & Co, José <b>', 'Empezar la configuración'],
    ['fr', 'Bienvenue chez Sonrisa & Co, José <b>', 'Commencer la configuration'],
  ])('renders in %s: subject, HTML with the theme tokens and escaped words, and the plain-text alternative', (locale, subject, cta) => {
    const out = templates.render({ ...input, locale });
    expect(out.subject).toBe(subject);
    expect(out.html).toContain('background:#123456');
    expect(out.html).toContain('Georgia, serif');
    expect(out.html).toContain('José &lt;b&gt;');
    expect(out.html).not.toContain('José <b>');
    expect(out.html).toContain(`<a href="https://clinic.example.test/setup"`);
    expect(out.html).toContain(`lang="${locale}"`);
    expect(out.text).toContain(`${cta}: https://clinic.example.test/setup`);
    expect(out.text).toContain('José <b>');
    expect(out.text).not.toMatch(/<(p|a|h1|table|td|img|br)\b/);
  });

  it('shows the unsubscribe link only when given, and the logo instead of the name when the brand has one', () => {
    const plain = templates.render({ ...input, locale: 'en' });
    expect(plain.html).not.toContain('Unsubscribe');
    const marketing = templates.render({ ...input, locale: 'en', unsubscribeUrl: 'https://clinic.example.test/e/u/tok', brand: { name: 'Sonrisa', logoUrl: 'https://cdn.example.test/logo.png' } });
    expect(marketing.html).toContain('<a href="https://clinic.example.test/e/u/tok"');
    expect(marketing.html).toContain('<img src="https://cdn.example.test/logo.png" alt="Sonrisa"');
    expect(marketing.text).toContain('Unsubscribe from these e-mails: https://clinic.example.test/e/u/tok');
  });

  it('falls back to the default theme\'s e-mails for a theme without its own (harbor) or an unknown one', () => {
    const harbor = templates.render({ ...input, themeId: 'harbor', locale: 'en' });
    expect(harbor).toEqual(templates.render({ ...input, themeId: 'nope', locale: 'en' }));
    expect(harbor.subject).toBe('Welcome to Sonrisa & Co, José <b>');
  });

  it('refuses a template with no words', () => {
    expect(templates.has('onboarding.welcome')).toBe(true);
    expect(() => templates.render({ ...input, locale: 'en', templateId: 'nothing.here' })).toThrow(/no words/);
  });

  it('renders the unsubscribe page to confirm, then to say it is done, in the reader\'s language', () => {
    const page = { themeId: 'default', tokens: input.tokens, brand: { name: 'Sonrisa' }, email: 'ana@example.test', category: 'onboarding', action: '/e/u/tok' };
    const confirm = templates.renderUnsubscribePage({ ...page, locale: 'es', done: false });
    expect(confirm).toContain('¿Dejar de enviar correos de primeros pasos a ana@example.test?');
    expect(confirm).toContain('<form method="post" action="/e/u/tok">');
    const done = templates.renderUnsubscribePage({ ...page, locale: 'fr', done: true });
    expect(done).toContain('ana@example.test ne recevra plus ces e-mails');
    expect(done).not.toContain('<form');
  });
});
