import { HOOK_LATENCY_BUCKETS, type HistogramSnapshot, histogramQuantile, mergeHistograms } from '@tero/core';
import { type CallFigures, type MonitoringOverview, SIP_CLASSES } from '@tero/telephony';

type T = (key: string, vars?: Record<string, unknown>) => string;

/** One series of a plot, as the page script hands it to uPlot. */
export interface PlotSeries {
  label: string;
  values: (number | null)[];
  /** Which y axis: counts (`n`), a percentage (`%`). */
  scale: 'n' | '%';
  /** A palette slot: 0 and 1 follow the brand's colours, the others are fixed. */
  color: number;
  /** Drawn as bars (counts per bucket) rather than a line. */
  bars?: boolean;
}

export interface PlotData {
  id: 'calls' | 'sip' | 'webhooks' | 'hook-latency';
  title: string;
  /** `time`: x is epoch seconds; `latency`: x is milliseconds on a log scale. */
  kind: 'time' | 'latency';
  xLabel?: string;
  x: number[];
  series: PlotSeries[];
}

/** What the page script reads from `<script type="application/json" id="monitoring-data">`. */
export interface PlotsPayload {
  locale: string;
  plots: PlotData[];
}

export interface HookLatencyRow {
  hook: string;
  requests: number;
  p50: string;
  p95: string;
}

/** Formats in the reader's language: percentages, durations, milliseconds. */
export class Figures {
  private readonly percentFormat: Intl.NumberFormat;
  private readonly numberFormat: Intl.NumberFormat;

  constructor(readonly locale: string) {
    this.percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    this.numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  }

  count(value: number): string {
    return this.numberFormat.format(value);
  }

  percent(ratio: number | null): string {
    return ratio === null ? '–' : this.percentFormat.format(ratio);
  }

  /** `1:05` for 65 s, `1:01:05` past the hour. */
  duration(seconds: number | null): string {
    if (seconds === null) return '–';
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
  }

  ms(value: number | null): string {
    return value === null ? '–' : `${this.numberFormat.format(value)} ms`;
  }

  /** `200 × 12, 486 × 3`. */
  statuses(figures: CallFigures): string {
    return figures.sipStatuses.map((s) => `${s.status} × ${this.count(s.calls)}`).join(', ');
  }
}

/** Table rows and summary figures of an overview, formatted for the page. */
export function overviewTables(overview: MonitoringOverview, f: Figures, t: T, brandNames: Map<string, string>, showBrand: boolean) {
  const row = (figures: CallFigures) => ({
    calls: f.count(figures.attempts),
    answered: f.count(figures.answered),
    asr: f.percent(figures.asr),
    duration: f.duration(figures.averageDurationSeconds),
    sip: f.statuses(figures),
  });
  return {
    summary: {
      calls: f.count(overview.totals.attempts),
      answered: f.count(overview.totals.answered),
      asr: f.percent(overview.totals.asr),
      averageDuration: f.duration(overview.totals.averageDurationSeconds),
      webhookFailures: f.count(overview.totals.webhookFailures),
      stt: `${f.ms(overview.totals.stt.p50)} / ${f.ms(overview.totals.stt.p95)}`,
    },
    carriers: overview.carriers.map((c) => ({
      name: c.carrier ?? t('monitoring:unnamedCarrier'),
      brandName: showBrand ? (brandNames.get(c.brandId) ?? c.brandId) : null,
      ...row(c),
    })),
    clients: overview.clients.map((c) => ({
      name: c.clientName ?? t('monitoring:unassigned'),
      brandName: showBrand ? (brandNames.get(c.brandId) ?? c.brandId) : null,
      ...row(c),
      sttP50: f.ms(c.stt.p50),
      sttP95: f.ms(c.stt.p95),
      webhookFailures: f.count(c.webhookFailures),
    })),
    alertTypes: overview.alertTypes.map((a) => ({ alertType: a.alertType, count: f.count(a.count) })),
  };
}

/** This process's hook latency per hook kind (all statuses), p50/p95 estimated from the histogram's buckets. */
export function hookLatencyRows(snapshot: HistogramSnapshot[], f: Figures): HookLatencyRow[] {
  const byHook = new Map<string, HistogramSnapshot[]>();
  for (const series of snapshot) {
    const hook = series.labels.hook ?? '?';
    byHook.set(hook, [...(byHook.get(hook) ?? []), series]);
  }
  const rows: HookLatencyRow[] = [];
  for (const [hook, series] of [...byHook].sort(([a], [b]) => a.localeCompare(b))) {
    const merged = mergeHistograms(series)!;
    if (!merged.count) continue;
    const ms = (q: number) => {
      const seconds = histogramQuantile(q, merged.buckets);
      return seconds === null ? '–' : `≈ ${f.ms(Math.round(seconds * 1000))}`;
    };
    rows.push({ hook, requests: merged.count, p50: ms(0.5), p95: ms(0.95) });
  }
  return rows;
}

/** The four plots' data: calls and ASR, SIP classes, webhook failures (per bucket), and hook latency as a cumulative share. */
export function plotsPayload(overview: MonitoringOverview, snapshot: HistogramSnapshot[], t: T, locale: string): PlotsPayload {
  const unit = t(overview.bucketSeconds >= 86_400 ? 'monitoring:units.day' : 'monitoring:units.hour');
  const x = overview.series.map((p) => p.at);
  const plots: PlotData[] = [
    {
      id: 'calls',
      title: t('monitoring:plots.calls', { unit }),
      kind: 'time',
      x,
      series: [
        { label: t('monitoring:series.attempts'), values: overview.series.map((p) => p.attempts), scale: 'n', color: 0, bars: true },
        { label: t('monitoring:series.answered'), values: overview.series.map((p) => p.answered), scale: 'n', color: 2, bars: true },
        { label: t('monitoring:series.asr'), values: overview.series.map((p) => (p.asr === null ? null : Math.round(p.asr * 1000) / 10)), scale: '%', color: 1 },
      ],
    },
    {
      id: 'sip',
      title: t('monitoring:plots.sip', { unit }),
      kind: 'time',
      x,
      series: SIP_CLASSES.map((cls, i) => ({ label: cls, values: overview.series.map((p) => p.sip[cls]), scale: 'n' as const, color: i + 2 })),
    },
    {
      id: 'webhooks',
      title: t('monitoring:plots.webhooks', { unit }),
      kind: 'time',
      x,
      series: [{ label: t('monitoring:series.webhookFailures'), values: overview.series.map((p) => p.webhookFailures), scale: 'n', color: 5, bars: true }],
    },
  ];
  const byHook = new Map<string, HistogramSnapshot[]>();
  for (const series of snapshot) byHook.set(series.labels.hook ?? '?', [...(byHook.get(series.labels.hook ?? '?') ?? []), series]);
  const latencySeries: PlotSeries[] = [];
  for (const [hook, series] of [...byHook].sort(([a], [b]) => a.localeCompare(b))) {
    const merged = mergeHistograms(series)!;
    if (!merged.count) continue;
    const finite = merged.buckets.filter((b) => Number.isFinite(b.le));
    latencySeries.push({ label: hook, values: finite.map((b) => Math.round((b.count / merged.count) * 1000) / 10), scale: '%', color: latencySeries.length });
  }
  plots.push({
    id: 'hook-latency',
    title: t('monitoring:plots.hookLatency'),
    kind: 'latency',
    xLabel: t('monitoring:series.latency'),
    x: HOOK_LATENCY_BUCKETS.map((seconds) => seconds * 1000),
    series: latencySeries,
  });
  return { locale, plots };
}
