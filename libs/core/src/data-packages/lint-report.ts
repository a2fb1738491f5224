import { TeroError } from '@tero/sdk';
import { LINT_RULES, type LintRuleCode } from './lint-rules';

export type LintLevel = 'error' | 'warning';

/** One problem found in a data package. */
export interface LintFinding {
  /** Path relative to the root the linter was given (the repository in CI), with `/` separators. */
  file: string;
  rule: LintRuleCode;
  level: LintLevel;
  message: string;
  /** 1-based, when the problem has a place in the file. */
  line?: number;
  /** 1-based. */
  column?: number;
}

export interface LintReport {
  findings: LintFinding[];
  errors: number;
  warnings: number;
}

/** Thrown by loaders when a package has errors; carries the findings so the caller can show them all. */
export class LintError extends TeroError {
  constructor(
    readonly what: string,
    readonly findings: LintFinding[],
  ) {
    super(
      'data_package.invalid',
      `${what} is invalid:\n${formatLintReport(toReport(findings))}`,
      { what, errors: findings.filter((f) => f.level === 'error').length },
      { status: 422 },
    );
    this.name = 'LintError';
  }
}

/** Collects findings for one file; the level comes from the rule catalogue so it cannot drift. */
export class FindingSink {
  readonly findings: LintFinding[] = [];

  add(file: string, rule: LintRuleCode, message: string, at?: { line?: number; column?: number }): void {
    const finding: LintFinding = { file, rule, level: LINT_RULES[rule].level, message };
    if (at?.line !== undefined) finding.line = at.line;
    if (at?.column !== undefined) finding.column = at.column;
    this.findings.push(finding);
  }
}

/** Sorts findings by file then position, and counts them. */
export function toReport(findings: LintFinding[]): LintReport {
  const sorted = [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
  return {
    findings: sorted,
    errors: sorted.filter((f) => f.level === 'error').length,
    warnings: sorted.filter((f) => f.level === 'warning').length,
  };
}

export function mergeReports(reports: LintReport[]): LintReport {
  return toReport(reports.flatMap((r) => r.findings));
}

/** One line per finding: `<file>[:line[:col]] <RULE> <level> <message>`. */
export function formatLintReport(report: LintReport): string {
  return report.findings
    .map((f) => {
      const at = f.line === undefined ? '' : f.column === undefined ? `:${f.line}` : `:${f.line}:${f.column}`;
      // A message never spans lines, so each finding stays one greppable line.
      return `${f.file}${at} ${f.rule} ${f.level} ${f.message.replace(/\s*\n\s*/g, ' ')}`;
    })
    .join('\n');
}
