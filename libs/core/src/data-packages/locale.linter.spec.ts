import { resolve } from 'node:path';
import { inspectLocales, lintLocales } from './locale.linter';

const repo = resolve(__dirname, '../../../..');
const dir = (name: string) => resolve(repo, 'test/fixtures/data-packages/locales', name);
const lines = async (name: string) =>
  (await lintLocales(dir(name), { root: dir(name) })).findings.map((f) => `${f.file} ${f.rule} ${f.level} ${f.message}`);

describe('lintLocales', () => {
  it('accepts matching locales, with plural forms that differ by language and formatted or unescaped variables', async () => {
    expect(await lintLocales(dir('valid'))).toEqual({ findings: [], errors: 0, warnings: 0 });
    expect((await inspectLocales(dir('valid'))).valid).toEqual(['en', 'fr']);
  });

  it('reports each LOCALE rule against en', async () => {
    expect(await lines('broken')).toEqual([
      'es/calls.json LOCALE010 error namespace file missing (1 key in en)',
      'es/notes.json LOCALE002 error unknown namespace file; expected one of ui.json, emails.json, calls.json, errors.json, billing.json, numbers.json, monitoring.json, recordings.json, onboarding.json, voices.json, prompts.json, analytics.json',
      'es/ui.json LOCALE010 error "app.bye" is missing (present in en)',
      'es/ui.json LOCALE011 warning "app.extra" is not in en',
      'es/ui.json LOCALE012 error "app.greeting" lacks {{name}} and has {{nombre}} not in en',
      'es/ui.json LOCALE013 error "app.title" is empty',
      'Español LOCALE002 error "Español" is not a language code (en, es, pt-BR)',
      'fr/calls.json LOCALE001 error greeting must be an object of strings or nested objects',
      expect.stringMatching(/^fr\/ui.json LOCALE001 error invalid JSON/),
    ]);
  });

  it('gives the position of a JSON syntax error', async () => {
    const report = await lintLocales(dir('broken'), { root: dir('broken') });
    expect(report.findings.find((f) => f.file === 'fr/ui.json')).toMatchObject({ line: 2, column: 1 });
  });

  it('lists only error-free locales as valid', async () => {
    expect((await inspectLocales(dir('broken'))).valid).toEqual(['en']);
  });

  it('LOCALE003: no en to compare with', async () => {
    expect(await lines('no-en')).toEqual(['. LOCALE003 error reference locale "en" is missing']);
    expect((await inspectLocales(dir('no-en'))).valid).toEqual([]);
  });
});
