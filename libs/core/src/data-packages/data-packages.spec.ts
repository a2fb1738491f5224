import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { PROMPT_HELPERS, WEEKDAYS, type Money, type PromptContext } from '@tero/sdk';
import { discoverDataPackages, lintAll, loadPack } from './data-packages';
import { formatLintReport, LintError } from './lint-report';
import { writePackFixture } from './testing/pack-fixture';

const repo = resolve(__dirname, '../../../..');
const fixtures = resolve(repo, 'test/fixtures/data-packages');
const PACK_IDS = ['auto-mechanic', 'dentist', 'electrician', 'hvac', 'law-firm', 'plumber', 'real-estate', 'salon', 'veterinary'];

describe('lintAll and discoverDataPackages', () => {
  let root: string;

  beforeAll(async () => {
    // A root laid out like the repository, from fixtures: three good packs (two with warnings), one bad; one good theme,
    // one bad; locales with errors in es and fr.
    root = await mkdtemp(join(tmpdir(), 'tero-data-packages-'));
    const packs = join(root, 'profession-packs');
    await writePackFixture(packs, 'valid');
    await writePackFixture(packs, 'pack037-no-phrasings', (f) => delete f['pack.json'].intents.location);
    await writePackFixture(packs, 'pack049-words', (f) => (f['scenarios/en-faq-parking.json'].turns[0].caller = 'Where do I leave the car?'));
    await writePackFixture(packs, 'pack021-price', (f) => (f['pack.json'].services[0].priceMinor = -1));
    for (const [from, to] of [
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
      'profession-packs/pack037-no-phrasings',
      'profession-packs/pack049-words',
      'themes/theme004-engine',
    ]);
    expect(report.warnings).toBe(3); // PACK037, PACK049, LOCALE011
    expect(report.errors).toBe(report.findings.length - 3);
    expect(formatLintReport(report).split('\n')).toContain(
      'themes/theme004-engine/theme.json THEME004 error engine "^2.0.0" does not accept theme engine 1.0.0',
    );
  });

  it('discovers only the packages without errors (warnings allowed)', async () => {
    const found = await discoverDataPackages(root);
    expect(found.packs.map((p) => p.id)).toEqual(['pack037-no-phrasings', 'pack049-words', 'valid']);
    expect(found.packs[2]).toMatchObject({ dir: join(root, 'profession-packs/valid'), manifest: { id: 'valid', version: '1.0.0' } });
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
    const dir = await mkdtemp(join(tmpdir(), 'tero-load-pack-'));
    try {
      const pack = await writePackFixture(dir, 'pack020-duplicate-service', (f) => f['pack.json'].services.push(f['pack.json'].services[0]));
      const error = await loadPack(pack, { root: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LintError);
      expect((error as LintError).findings.map((f) => f.rule)).toEqual(['PACK020']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

describe('pack prompts and greetings render with exactly the documented context and helpers', () => {
  // Not the production renderer: a strict one (every variable must exist, only known helpers) to show
  // that what the linter accepts renders into a sensible prompt.
  const money = (m: Money, locale: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency }).format(m.amountMinor / 100);
  const cases = PACK_IDS.flatMap((id) => ['en', 'es', 'fr'].map((locale) => [id, locale]));

  it.each(cases)('%s in %s', async (id, locale) => {
    const pack = await loadPack(resolve(repo, 'profession-packs', id));
    const hbs = Handlebars.create();
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('formatMoney', (m: Money) => money(m, locale));
    hbs.registerHelper('formatHours', (h: PromptContext['hours']) => h.map((d) => `${d.day}: ${d.closed ? '-' : d.intervals.map((i) => i.join('-')).join(', ')}`).join('\n'));
    const context: PromptContext = {
      business: { name: 'Northside Services', phone: '+1 555 010 0000', address: '12 Main St, Springfield', timezone: 'America/Chicago' },
      hours: WEEKDAYS.map((d) => ({ day: d, closed: pack.manifest.hours[d].length === 0, intervals: pack.manifest.hours[d] })),
      services: pack.manifest.services.map((s) => ({ name: s.name[locale], durationMinutes: s.durationMinutes, price: { amountMinor: s.priceMinor, currency: s.currency ?? 'USD' } })),
      faq: pack.manifest.faq.map((f) => ({ question: f.question[locale], answer: f.answer[locale] })),
      agent: { name: 'Ava' },
      locale,
    };
    const knownHelpers = Object.fromEntries(PROMPT_HELPERS.map((h) => [h, true]));
    const render = (source: string) => hbs.compile(source, { strict: true, knownHelpers, knownHelpersOnly: true, noEscape: true })(context);

    const text = render(pack.prompts[locale]);
    expect(text).toContain('Ava');
    expect(text).toContain('Northside Services');
    expect(text).toContain('12 Main St, Springfield');
    const firstOpen = WEEKDAYS.find((d) => pack.manifest.hours[d].length > 0)!;
    expect(text).toContain(`${firstOpen}: ${pack.manifest.hours[firstOpen].map((i) => i.join('-')).join(', ')}`);
    for (const service of context.services) expect(text).toContain(`${service.name}`);
    expect(text).toContain(money(context.services[0].price, locale));
    for (const entry of context.faq) expect(text).toContain(entry.answer);
    expect(text).not.toMatch(/undefined|\[object Object\]|\{\{/);

    const greeting = render(pack.manifest.greeting[locale]);
    expect(greeting).toContain('Northside Services');
    expect(greeting).toContain('Ava');
    expect(greeting).not.toMatch(/undefined|\{\{/);
  });
});
