export { REPORT_KINDS, type ReportKind, type ReportPeriod, lastCompletePeriod, parsePeriodKey, periodContaining, previousPeriod } from './report-period';
export type { SummarySource } from './report-figures';
export { type Trend, trendOf } from './trend';
export * from './reports.service';
