import { resolve } from 'node:path';
import type { LintReport } from './lint-report';
import { lintPack } from './pack.linter';

const repo = resolve(__dirname, '../../../..');
const fixture = (name: string) => resolve(repo, 'test/fixtures/data-packages/packs', name);
const lint = (name: string) => lintPack(fixture(name), { root: repo });
const summary = (report: LintReport) => report.findings.map((f) => `${f.rule} ${f.level} ${f.file.split('/').slice(4).join('/')}: ${f.message}`);

describe('lintPack', () => {
  it('finds nothing wrong in a valid pack', async () => {
    expect(await lint('valid')).toEqual({ findings: [], errors: 0, warnings: 0 });
  });

  it('PACK001: pack.json missing, or not JSON (with line and column)', async () => {
    expect(summary(await lint('pack001-missing'))).toEqual(['PACK001 error pack001-missing/pack.json: pack.json not found']);
    const report = await lint('pack001-invalid-json');
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'PACK001', file: 'test/fixtures/data-packages/packs/pack001-invalid-json/pack.json', line: 4, column: 1 }),
    ]);
  });

  it('PACK002: names the path and reason of each schema violation, and stops there', async () => {
    expect(summary(await lint('pack002-schema'))).toEqual([
      "PACK002 error pack002-schema/pack.json: /: must have required property 'hours'",
      'PACK002 error pack002-schema/pack.json: /: has unknown property "sevices"',
      'PACK002 error pack002-schema/pack.json: /services/0/durationMinutes: must be integer',
    ]);
  });

  it('PACK003: id differs from the folder', async () => {
    expect(summary(await lint('pack003-id-mismatch'))).toEqual([
      'PACK003 error pack003-id-mismatch/pack.json: id "other-id" differs from its folder "pack003-id-mismatch"',
    ]);
  });

  it('PACK010: a supported locale has no prompt template', async () => {
    expect(summary(await lint('pack010-missing-prompt'))).toEqual([
      'PACK010 error pack010-missing-prompt/pack.json: prompt template "prompts/fr.hbs" for locale "fr" not found',
    ]);
  });

  it('PACK011: template syntax error with line and column', async () => {
    const report = await lint('pack011-syntax');
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'PACK011', file: 'test/fixtures/data-packages/packs/pack011-syntax/prompts/en.hbs', line: 3 }),
    ]);
    expect(report.findings[0].column).toBeGreaterThan(1);
  });

  it('PACK012: unknown variables, helpers and partials in a prompt', async () => {
    const report = await lint('pack012-unknown');
    expect(report.findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['PACK012', 1, 'unknown variable "business.owner"'],
      ['PACK012', 2, 'unknown variable "cost"'],
      ['PACK012', 2, 'unknown helper "formatPrice"'],
      ['PACK012', 3, 'partials are not available here'],
      ['PACK012', 4, '"each" needs a list, and "agent" is not one'],
      ['PACK012', 4, 'unknown data variable "@index"'],
    ]);
  });

  it('PACK020 / PACK022: duplicate service and FAQ ids', async () => {
    expect(summary(await lint('pack020-duplicate-service'))).toEqual([
      'PACK020 error pack020-duplicate-service/pack.json: services[1] repeats id "cleaning" of services[0]',
    ]);
    expect(summary(await lint('pack022-duplicate-faq'))).toEqual([
      'PACK022 error pack022-duplicate-faq/pack.json: faq[1] repeats id "parking" of faq[0]',
    ]);
  });

  it('PACK021: fractional and negative prices, reported as such rather than as a schema error', async () => {
    const report = await lint('pack021-price');
    expect(report.findings.map((f) => [f.rule, f.message.split(':')[0]])).toEqual([
      ['PACK021', '/services/0/priceMinor'],
      ['PACK021', '/services/1/priceMinor'],
    ]);
  });

  it('PACK023: hours that close before they open or overlap', async () => {
    expect(summary(await lint('pack023-hours'))).toEqual([
      'PACK023 error pack023-hours/pack.json: hours.wed: interval 17:00-08:00 closes before it opens',
      'PACK023 error pack023-hours/pack.json: hours.thu: interval 12:00-17:00 overlaps or precedes the one before',
    ]);
  });

  it('PACK030: warns when a text lacks a supported locale, without failing the pack', async () => {
    const report = await lint('pack030-missing-locale');
    expect(report).toMatchObject({ errors: 0, warnings: 2 });
    expect(report.findings.map((f) => f.message)).toEqual([
      'services[1] (exam).name has no text for supported locale "es"',
      'faq[0] (parking).answer has no text for supported locale "es"',
    ]);
  });

  it('PACK031: emergency keywords missing for a supported locale', async () => {
    expect(summary(await lint('pack031-keywords'))).toEqual([
      'PACK031 error pack031-keywords/pack.json: emergencyKeywords has no keywords for supported locale "es"',
    ]);
  });

  it('PACK040: scenario not JSON or not matching the schema', async () => {
    expect(summary(await lint('pack040-scenario'))).toEqual([
      'PACK040 error pack040-scenario/scenarios/bad-intent.json: /turns/0/expect/intent: must be one of "book", "faq", "message", "transfer", "hours", "emergency"',
      expect.stringMatching(/^PACK040 error pack040-scenario\/scenarios\/broken.json: invalid JSON/),
    ]);
  });

  it('PACK041: warns about a supported locale without any scenario', async () => {
    expect(summary(await lint('pack041-no-scenario'))).toEqual([
      'PACK041 warning pack041-no-scenario/scenarios: no scenario for supported locale "es"',
    ]);
  });

  it('PACK042 / PACK043: scenario in an unsupported locale, duplicate scenario id', async () => {
    expect(summary(await lint('pack042-scenario-locale'))).toEqual([
      'PACK042 error pack042-scenario-locale/scenarios/de-book.json: locale "de" is not one of the pack\'s locales (en)',
    ]);
    expect((await lint('pack043-duplicate-scenario')).findings).toEqual([
      expect.objectContaining({ rule: 'PACK043', file: 'test/fixtures/data-packages/packs/pack043-duplicate-scenario/scenarios/b.json' }),
    ]);
  });

  it('the reference dentist pack has no errors and no warnings', async () => {
    const report = await lintPack(resolve(repo, 'profession-packs/dentist'), { root: repo });
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ errors: 0, warnings: 0 });
  });
});
