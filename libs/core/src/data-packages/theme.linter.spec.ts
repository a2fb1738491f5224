import { resolve } from 'node:path';
import { lintTheme } from './theme.linter';

const repo = resolve(__dirname, '../../../..');
const lint = (name: string) => lintTheme(resolve(repo, 'test/fixtures/data-packages/themes', name), { root: repo });
/** Findings of one rule, as `file-in-theme: message`. */
const of = async (name: string, rule: string) =>
  (await lint(name)).findings.filter((f) => f.rule === rule).map((f) => `${f.file.split('/').slice(5).join('/') || '.'}: ${f.message}`);

describe('lintTheme', () => {
  it('finds nothing wrong in a valid theme (partials with arguments, block params, sub-expressions, settings)', async () => {
    expect(await lint('valid')).toEqual({ findings: [], errors: 0, warnings: 0 });
  });

  it('THEME001: theme.json not JSON', async () => {
    expect(await of('theme001-invalid-json', 'THEME001')).toEqual([expect.stringMatching(/^theme.json: invalid JSON/)]);
  });

  it('THEME002: schema violations, including an unknown setting type and a select default outside its options', async () => {
    expect(await of('theme002-schema', 'THEME002')).toEqual([
      "theme.json: /tokens: must have required property 'radius'",
      'theme.json: /settings/badType: value of tag "type" must be in oneOf',
    ]);
    const { findings } = await lintTheme(resolve(repo, 'test/fixtures/data-packages/themes/theme002-schema'), { root: repo });
    // The select default is only checked once the shape is right, so it is not reported alongside.
    expect(findings.some((f) => f.message.includes('heroStyle'))).toBe(false);
  });

  it('THEME003: id differs from the folder', async () => {
    expect(await of('theme003-id-mismatch', 'THEME003')).toEqual(['theme.json: id "another" differs from its folder "theme003-id-mismatch"']);
  });

  it('THEME004: engine range that 1.0.0 does not satisfy', async () => {
    expect(await of('theme004-engine', 'THEME004')).toEqual(['theme.json: engine "^2.0.0" does not accept theme engine 1.0.0']);
  });

  it('THEME010: required layout and pages missing', async () => {
    expect(await of('templates-broken', 'THEME010')).toEqual([
      '.: required template layouts/main.hbs is missing',
      '.: required template pages/error.hbs is missing',
    ]);
    expect(await of('theme004-engine', 'THEME010')).toHaveLength(9);
  });

  it('THEME011: template syntax error with its position', async () => {
    const report = await lint('templates-broken');
    expect(report.findings.filter((f) => f.rule === 'THEME011')).toEqual([
      expect.objectContaining({ file: 'test/fixtures/data-packages/themes/templates-broken/pages/login.hbs', line: 2, message: "if doesn't match each" }),
    ]);
  });

  it('THEME012 / THEME013: unknown partial, unknown helper (including an implicit section)', async () => {
    expect(await of('templates-broken', 'THEME012')).toEqual(['pages/dashboard.hbs: unknown partial "sidebar" (no partials/sidebar.hbs)']);
    expect(await of('templates-broken', 'THEME013')).toEqual([
      'pages/dashboard.hbs: unknown helper "formatCurrency"',
      'pages/dashboard.hbs: unknown helper "items"',
    ]);
  });

  it('THEME020: invalid token and colour-setting values', async () => {
    expect(await of('theme020-color', 'THEME020')).toEqual([
      'theme.json: /tokens/colorPrimary: must be a colour #rgb or #rrggbb',
      'theme.json: /tokens/colorAccent: must be a colour #rgb or #rrggbb',
      'theme.json: /settings/brandColor/default: must be a colour #rgb or #rrggbb',
    ]);
  });

  it('THEME030: warns about a partial nothing includes', async () => {
    const report = await lint('templates-broken');
    expect(report.findings.filter((f) => f.level === 'warning')).toEqual([
      expect.objectContaining({ rule: 'THEME030', file: 'test/fixtures/data-packages/themes/templates-broken/partials/unused.hbs' }),
    ]);
  });

  it('emails/: theme helpers only, no partials, the HTML layout with its plain-text twin, no stray files (THEME011–015)', async () => {
    expect(await of('emails-broken', 'THEME013')).toEqual([expect.stringMatching(/^emails\/layout\.hbs: .*shout/)]);
    expect(await of('emails-broken', 'THEME012')).toEqual([expect.stringMatching(/^emails\/layout\.hbs: partials are not available/)]);
    expect(await of('emails-broken', 'THEME011')).toEqual([expect.stringMatching(/^emails\/unsubscribe\.hbs: /)]);
    expect(await of('emails-broken', 'THEME014')).toEqual(['emails: emails/layout.txt.hbs is missing: the HTML layout and its plain-text twin come together']);
    expect(await of('emails-broken', 'THEME015')).toEqual(['emails/notes.md: emails/notes.md is not one of layout.hbs, layout.txt.hbs, unsubscribe.hbs']);
  });

  it('the shipped themes\' e-mails pass', async () => {
    for (const theme of ['default', 'harbor']) {
      const report = await lintTheme(resolve(repo, 'themes', theme), { root: repo });
      expect(report.findings).toEqual([]);
    }
  });
});
