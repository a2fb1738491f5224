import { TeroError } from '@tero/sdk';
import { FindingSink, formatLintReport, LintError, mergeReports, toReport } from './lint-report';

describe('lint report', () => {
  const sink = new FindingSink();
  sink.add('themes/a/theme.json', 'THEME030', 'partial "x" is never used');
  sink.add('profession-packs/b/prompts/en.hbs', 'PACK011', 'syntax error:\nunexpected text', { line: 3, column: 9 });
  sink.add('profession-packs/b/pack.json', 'PACK010', 'prompts has no template', { line: 7 });

  it('takes the level from the rule, sorts by file and counts', () => {
    const report = toReport(sink.findings);
    expect(report.findings.map((f) => [f.file, f.level])).toEqual([
      ['profession-packs/b/pack.json', 'error'],
      ['profession-packs/b/prompts/en.hbs', 'error'],
      ['themes/a/theme.json', 'warning'],
    ]);
    expect(report).toMatchObject({ errors: 2, warnings: 1 });
    expect(mergeReports([report, report])).toMatchObject({ errors: 4, warnings: 2 });
  });

  it('formats one line per finding: <file>[:line[:col]] <RULE> <level> <message>', () => {
    expect(formatLintReport(toReport(sink.findings)).split('\n')).toEqual([
      'profession-packs/b/pack.json:7 PACK010 error prompts has no template',
      'profession-packs/b/prompts/en.hbs:3:9 PACK011 error syntax error: unexpected text',
      'themes/a/theme.json THEME030 warning partial "x" is never used',
    ]);
  });

  it('LintError is a TeroError with a stable code and the findings', () => {
    const error = new LintError('profession pack b', sink.findings);
    expect(error).toBeInstanceOf(TeroError);
    expect(error.code).toBe('data_package.invalid');
    expect(error.findings).toHaveLength(3);
    expect(error.message).toContain('PACK011 error');
  });
});
