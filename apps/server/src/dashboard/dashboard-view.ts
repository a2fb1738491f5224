import { type ClientSummary, type LiveCall } from '@tero/analytics';
import { CALL_OUTCOMES, CALL_ROUTES } from '@tero/db';

/** The figures of the dashboard's "today" cards, formatted for the reader's language. */
export interface DashboardFigures {
  calls: string;
  successRate: string;
  averageDuration: string;
  revenue: string;
  missedRecovered: string;
  sentiment: { positive: string; neutral: string; negative: string } | null;
}

/** Shown for a figure that has no value yet (no ended call today). */
export const NO_VALUE = '–';

/** How many minor units make one unit of `currency` (100 for EUR and USD, 1 for JPY), as `Intl` knows it. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount in minor units as money in the reader's language. */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** Seconds as `m:ss` (or `h:mm:ss` past an hour): how long a call lasted, read at a glance. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return NO_VALUE;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A 0..1 rate as a whole percentage in the reader's language. */
export function formatRate(rate: number | null, locale: string): string {
  return rate === null ? NO_VALUE : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(rate);
}

/** The cards' texts from a summary (the page's script formats updates the same way). */
export function formatFigures(summary: ClientSummary, locale: string): DashboardFigures {
  const count = new Intl.NumberFormat(locale);
  const sentiment = summary.sentiment;
  const total = sentiment ? sentiment.positive + sentiment.neutral + sentiment.negative : 0;
  return {
    calls: count.format(summary.calls),
    successRate: formatRate(summary.successRate, locale),
    averageDuration: formatDuration(summary.averageDurationSeconds),
    revenue: formatMoney(summary.revenueMinor, summary.currency, locale),
    missedRecovered: count.format(summary.missedCallsRecovered),
    sentiment:
      sentiment && total > 0
        ? { positive: formatRate(sentiment.positive / total, locale), neutral: formatRate(sentiment.neutral / total, locale), negative: formatRate(sentiment.negative / total, locale) }
        : null,
  };
}

/** What `/dashboard/summary.json` answers: today's figures and the period the plots show. */
export interface DashboardSummary {
  today: ClientSummary;
  period: ClientSummary;
}

/**
 * The data the page's script starts from (`<script type="application/json">`, never evaluated): the
 * summaries, the calls in progress, and the words it needs in the reader's language.
 */
export function dashboardData(input: { summary: DashboardSummary; live: LiveCall[]; locale: string; t: (key: string) => string; uplotCss: string }) {
  const { t } = input;
  return {
    locale: input.locale,
    summary: input.summary,
    live: input.live,
    uplotCss: input.uplotCss,
    words: {
      caller: t('analytics:dashboard.live.caller'),
      agent: t('analytics:dashboard.live.agent'),
      unknownCaller: t('analytics:dashboard.live.unknownCaller'),
      test: t('analytics:dashboard.live.test'),
      connected: t('analytics:dashboard.live.connected'),
      connecting: t('analytics:dashboard.live.connecting'),
      calls: t('analytics:dashboard.plots.callsSeries'),
      revenue: t('analytics:dashboard.plots.revenueSeries'),
      hour: t('analytics:dashboard.plots.hour'),
      day: t('analytics:dashboard.plots.day'),
      outcome: t('analytics:dashboard.plots.outcome'),
      outcomes: Object.fromEntries(CALL_OUTCOMES.map((outcome) => [outcome, t(`analytics:dashboard.outcomes.${outcome}`)])),
      routes: Object.fromEntries(CALL_ROUTES.map((route) => [route, t(`analytics:dashboard.routes.${route}`)])),
    },
  };
}
