export { lintPack, type LintOptions } from './pack.linter';
export { lintTheme } from './theme.linter';
export { parseTemplate, scanTemplate, typeFromPaths, type TemplateIssue, type TemplatePosition, type TemplateType } from './template.scanner';
export { lintLocales } from './locale.linter';
export { lintAll, discoverDataPackages, loadPack, DATA_PACKAGE_FOLDERS } from './data-packages';
export type { LoadedPack, DiscoveredDataPackages } from './data-packages';
export { formatLintReport, LintError } from './lint-report';
export type { LintFinding, LintLevel, LintReport } from './lint-report';
export { LINT_RULES, type LintRuleCode } from './lint-rules';
