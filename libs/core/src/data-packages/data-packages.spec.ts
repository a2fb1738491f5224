import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { PROMPT_HELPERS, WEEKDAYS, type Money, type PromptContext } from '@tero/sdk';
import { discoverDataPackages, lintAll, loadPack } from './data-packages';
import { formatLintReport, LintError } from './lint-report';

const repo = resolve(__dirname, '../../../..');
const fixtures = resolve(repo, 'test/fixtures/data-packages');

describe('lintAll and discoverDataPackages', () => {
  let root: string;

  beforeAll(async () => {
    // A root laid out like the repository, from fixtures: two good packs, one bad; one good theme,
    // one bad; locales with errors in es and fr.
    root = await mkdtemp(join(tmpdir(), 'tero-data-packages-'));
    for (const [from, to] of [
      ['packs/valid', 'profession-packs/valid'],
      ['packs/pack030-missing-locale', 'profession-packs/pack030-missing-locale'],
      ['packs/pack021-price', 'profession-packs/pack021-price'],
      ['themes/valid', 'themes/valid'],
      ['themes/theme004-engine', 'themes/theme004-engine'],
      ['locales/broken', 'locales'],
    ]) {
      await cp(join(fixtures, from), join(root, to), { recursive: true });
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lints every pack, theme and the locales, with paths relative to the root', async () => {
    const report = await lintAll(root);
    const files = new Set(report.findings.map((f) => f.file.split('/').slice(0, 2).join('/')));
    expect([...files].sort()).toEqual([
      'locales/Español',
      'locales/es',
      'locales/fr',
      'profession-packs/pack021-price',
      'profession-packs/pack030-missing-locale',
      'themes/theme004-engine',
    ]);
    expect(report.warnings).toBe(3); // two PACK030, one LOCALE011
    expect(report.errors).toBe(report.findings.length - 3);
    expect(formatLintReport(report).split('\n')).toContain(
      'themes/theme004-engine/theme.json THEME004 error engine "^2.0.0" does not accept theme engine 1.0.0',
    );
  });

  it('discovers only the packages without errors (warnings allowed)', async () => {
    const found = await discoverDataPackages(root);
    expect(found.packs.map((p) => p.id)).toEqual(['pack030-missing-locale', 'valid']);
    expect(found.packs[1]).toMatchObject({ dir: join(root, 'profession-packs/valid'), manifest: { id: 'valid', version: '1.0.0' } });
    expect(found.themes.map((t) => [t.id, t.manifest.tokens.colorPrimary])).toEqual([['valid', '#1a56db']]);
    expect(found.locales).toEqual(['en']);
  });

  it('returns nothing for a root without data packages', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tero-empty-'));
    try {
      expect(await lintAll(empty)).toEqual({ findings: [], errors: 0, warnings: 0 });
      expect(await discoverDataPackages(empty)).toEqual({ packs: [], themes: [], locales: [] });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('loadPack', () => {
  it('throws a LintError listing the errors of an invalid pack', async () => {
    const error = await loadPack(join(fixtures, 'packs/pack020-duplicate-service'), { root: repo }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LintError);
    expect((error as LintError).findings.map((f) => f.rule)).toEqual(['PACK020']);
  });

  it('loads the dentist pack: manifest, prompt sources and scenarios in en, es and fr', async () => {
    const pack = await loadPack(resolve(repo, 'profession-packs/dentist'));
    expect(pack.id).toBe('dentist');
    expect(pack.manifest.locales).toEqual(['en', 'es', 'fr']);
    expect(Object.keys(pack.prompts).sort()).toEqual(['en', 'es', 'fr']);
    expect(pack.manifest.services.map((s) => s.id)).toEqual([
      'cleaning',
      'exam',
      'filling',
      'whitening',
      'extraction',
      'emergency-visit',
      'crown-consultation',
      'child-checkup',
    ]);
    expect(pack.manifest.faq.length).toBeGreaterThanOrEqual(10);
    for (const locale of ['en', 'es', 'fr']) {
      expect(pack.scenarios.filter((s) => s.locale === locale).length).toBeGreaterThanOrEqual(3);
      expect(pack.manifest.emergencyKeywords[locale].length).toBeGreaterThan(10);
    }
  });
});

describe('dentist prompts render with exactly the documented context and helpers', () => {
  // Not the production renderer: a strict one (every variable must exist, only known helpers) to show
  // that what the linter accepts renders into a sensible prompt.
  const money = (m: Money, locale: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency }).format(m.amountMinor / 100);

  it.each(['en', 'es', 'fr'])('%s', async (locale) => {
    const pack = await loadPack(resolve(repo, 'profession-packs/dentist'));
    const hbs = Handlebars.create();
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('formatMoney', (m: Money) => money(m, locale));
    hbs.registerHelper('formatHours', (h: PromptContext['hours']) => h.map((d) => `${d.day}: ${d.closed ? '-' : d.intervals.map((i) => i.join('-')).join(', ')}`).join('\n'));
    const context: PromptContext = {
      business: { name: 'Bright Smile Dental', phone: '+1 555 010 0000', address: '12 Main St, Springfield', timezone: 'America/Chicago' },
      hours: WEEKDAYS.map((d) => ({ day: d, closed: pack.manifest.hours[d].length === 0, intervals: pack.manifest.hours[d] })),
      services: pack.manifest.services.map((s) => ({ name: s.name[locale], durationMinutes: s.durationMinutes, price: { amountMinor: s.priceMinor, currency: s.currency ?? 'USD' } })),
      faq: pack.manifest.faq.map((f) => ({ question: f.question[locale], answer: f.answer[locale] })),
      agent: { name: 'Ava' },
      locale,
    };
    const knownHelpers = Object.fromEntries(PROMPT_HELPERS.map((h) => [h, true]));
    const text = hbs.compile(pack.prompts[locale], { strict: true, knownHelpers, knownHelpersOnly: true, noEscape: true })(context);

    expect(text).toContain('Ava');
    expect(text).toContain('Bright Smile Dental');
    expect(text).toContain('12 Main St, Springfield');
    expect(text).toContain('sat: 09:00-13:00');
    for (const service of context.services) expect(text).toContain(`${service.name}`);
    expect(text).toContain(money({ amountMinor: 12000, currency: 'USD' }, locale));
    for (const entry of context.faq) expect(text).toContain(entry.answer);
    expect(text).not.toMatch(/undefined|\[object Object\]|\{\{/);
  });
});
