import { DEFAULT_INVOICE_THEME, type InvoiceTheme, formatDay, formatMoney, newPdfDocument, pdfBytes, winAnsi } from '@tero/billing';
import { CALL_OUTCOMES } from '@tero/db';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { ClientSummary, LocalDateRange } from '../analytics.types';
import { bookingsAndMessages } from './report-figures';
import type { ReportPeriod } from './report-period';
import { type Trend, trendOf, trendOfNullable } from './trend';

export interface ReportPdfOptions {
  brand: { name: string; supportEmail: string };
  client: { name: string };
  period: ReportPeriod;
  current: ClientSummary;
  previous: ClientSummary;
  i18n: I18nInstance;
  locale: string;
  theme?: InvoiceTheme;
  /** When the report was made (printed in the footer). */
  generatedAt: Date;
  timezone: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const noon = (date: string) => new Date(`${date}T12:00:00Z`);

/** A local date range as the reader writes it: `Nov 23, 2026` or `Nov 23, 2026 – Nov 29, 2026`. */
export function formatRange(range: LocalDateRange, locale: string): string {
  const from = formatDay(noon(range.from), locale, 'UTC');
  return range.from === range.to ? from : `${from} – ${formatDay(noon(range.to), locale, 'UTC')}`;
}

/** The words and figures of a report, in the reader's language: shared by the PDF and the e-mail's text. */
export function reportLines(options: Pick<ReportPdfOptions, 'current' | 'previous' | 'i18n' | 'locale'>): { label: string; current: string; previous: string; change: string }[] {
  const t = options.i18n.getFixedT(options.locale, 'analytics') as TFunction;
  const { current: c, previous: p, locale } = options;
  const count = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const rate = (value: number | null) => (value === null ? '–' : percent.format(value).replace(/[\u00a0\u202f]/g, ' '));
  const money = (minor: number) => formatMoney(minor, c.currency, locale);
  const seconds = (value: number | null) => (value === null ? '–' : t('reports.duration', { minutes: Math.floor(Math.round(value) / 60), seconds: String(Math.round(value) % 60).padStart(2, '0') }));
  const change = (trend: Trend | null, points = false) => {
    if (!trend) return '–';
    if (points) return t('reports.points', { value: new Intl.NumberFormat(locale, { signDisplay: 'exceptZero', maximumFractionDigits: 0 }).format(trend.change * 100) });
    if (trend.ratio === null) return trend.change === 0 ? '=' : new Intl.NumberFormat(locale, { signDisplay: 'exceptZero' }).format(trend.change);
    return new Intl.NumberFormat(locale, { style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: 0 }).format(trend.ratio).replace(/[\u00a0\u202f]/g, ' ');
  };
  const [cb, pb] = [bookingsAndMessages(c), bookingsAndMessages(p)];
  const moneyChange = (trend: Trend) => (trend.ratio === null ? (trend.change === 0 ? '=' : `+${money(trend.change)}`) : change(trend));
  return [
    { label: t('reports.figures.calls'), current: count.format(c.calls), previous: count.format(p.calls), change: change(trendOf(c.calls, p.calls)) },
    { label: t('reports.figures.successRate'), current: rate(c.successRate), previous: rate(p.successRate), change: change(trendOfNullable(c.successRate, p.successRate), true) },
    { label: t('reports.figures.averageDuration'), current: seconds(c.averageDurationSeconds), previous: seconds(p.averageDurationSeconds), change: change(trendOfNullable(c.averageDurationSeconds, p.averageDurationSeconds)) },
    { label: t('reports.figures.revenue'), current: money(c.revenueMinor), previous: money(p.revenueMinor), change: moneyChange(trendOf(c.revenueMinor, p.revenueMinor)) },
    { label: t('reports.figures.bookings'), current: count.format(cb.bookings), previous: count.format(pb.bookings), change: change(trendOf(cb.bookings, pb.bookings)) },
    { label: t('reports.figures.messages'), current: count.format(cb.messages), previous: count.format(pb.messages), change: change(trendOf(cb.messages, pb.messages)) },
    { label: t('reports.figures.missedCallsRecovered'), current: count.format(c.missedCallsRecovered), previous: count.format(p.missedCallsRecovered), change: change(trendOf(c.missedCallsRecovered, p.missedCallsRecovered)) },
  ];
}

/**
 * A report as a PDF (A4) in the reader's language and the brand's colours: the period and the one it is
 * compared with, the figures with their trend, the outcomes of the calls, and the calls per day as bars.
 */
export async function renderReportPdf(options: ReportPdfOptions): Promise<Buffer> {
  const t = options.i18n.getFixedT(options.locale, 'analytics') as TFunction;
  const theme = options.theme ?? DEFAULT_INVOICE_THEME;
  const title = t(`reports.title.${options.period.kind}`);
  const doc = newPdfDocument({ size: 'A4', margin: PAGE.margin, lang: options.locale, info: { Title: winAnsi(`${title} — ${options.client.name}`), Author: winAnsi(options.brand.name), Subject: winAnsi(options.client.name) } });
  const done = pdfBytes(doc);
  const text = (value: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsi(value), x, y, opts);
  const width = PAGE.width - 2 * PAGE.margin;

  // Header.
  let y = PAGE.margin;
  doc.font('Helvetica-Bold').fontSize(20).fillColor(theme.primary);
  text(options.brand.name, PAGE.margin, y, { width: 280 });
  text(title, PAGE.margin + 280, y, { width: width - 280, align: 'right' });
  y += 36;
  doc.font('Helvetica-Bold').fontSize(14).fillColor(theme.text);
  text(options.client.name, PAGE.margin, y, { width });
  y = doc.y + 4;
  doc.font('Helvetica').fontSize(10).fillColor(theme.muted);
  text(formatRange(options.period.range, options.locale), PAGE.margin, y, { width });
  text(t('reports.comparedWith', { range: formatRange(options.previous.range, options.locale) }), PAGE.margin, doc.y + 2, { width });

  // Figures.
  const columns = { label: PAGE.margin + 6, current: 300, previous: 385, change: 470 };
  y = doc.y + 18;
  const tableHeader = (labels: [string, string, string, string?]) => {
    doc.rect(PAGE.margin, y, width, 20).fill(theme.primary);
    doc.font('Helvetica-Bold').fontSize(9).fillColor(theme.primaryText);
    text(labels[0], columns.label, y + 6, { width: 230 });
    text(labels[1], columns.current, y + 6, { width: 80, align: 'right' });
    text(labels[2], columns.previous, y + 6, { width: 80, align: 'right' });
    if (labels[3]) text(labels[3], columns.change, y + 6, { width: 69, align: 'right' });
    y += 26;
  };
  const row = (cells: [string, string, string, string?]) => {
    doc.font('Helvetica').fontSize(10).fillColor(theme.text);
    text(cells[0], columns.label, y, { width: 230 });
    text(cells[1], columns.current, y, { width: 80, align: 'right' });
    doc.fillColor(theme.muted);
    text(cells[2], columns.previous, y, { width: 80, align: 'right' });
    if (cells[3]) {
      doc.font('Helvetica-Bold').fillColor(theme.text);
      text(cells[3], columns.change, y, { width: 69, align: 'right' });
    }
    y += 18;
    doc.moveTo(PAGE.margin, y - 4).lineTo(PAGE.margin + width, y - 4).lineWidth(0.5).strokeColor('#e2e8f0').stroke();
  };
  tableHeader([t('reports.figure'), t('reports.thisPeriod'), t('reports.previousPeriod'), t('reports.change')]);
  for (const line of reportLines(options)) row([line.label, line.current, line.previous, line.change]);

  // Outcomes.
  y += 14;
  tableHeader([t('reports.outcomesTitle'), t('reports.thisPeriod'), t('reports.previousPeriod')]);
  const shown = CALL_OUTCOMES.filter((outcome) => (options.current.outcomes[outcome] ?? 0) + (options.previous.outcomes[outcome] ?? 0) > 0);
  if (!shown.length) {
    doc.font('Helvetica').fontSize(10).fillColor(theme.muted);
    text(t('reports.noCalls'), columns.label, y, { width });
    y += 18;
  }
  const count = new Intl.NumberFormat(options.locale);
  for (const outcome of shown) row([t(`exports.outcomes.${outcome}`), count.format(options.current.outcomes[outcome] ?? 0), count.format(options.previous.outcomes[outcome] ?? 0)]);

  // Calls per day, as bars (a daily report has one day: nothing to draw).
  if (options.current.perDay.length > 1) {
    if (y > PAGE.height - 260) {
      doc.addPage();
      y = PAGE.margin;
    }
    y += 16;
    doc.font('Helvetica-Bold').fontSize(11).fillColor(theme.text);
    text(t('reports.perDayTitle'), PAGE.margin, y, { width });
    y = doc.y + 8;
    const chartHeight = 120;
    const days = options.current.perDay;
    const max = Math.max(1, ...days.map((d) => d.calls));
    const slot = width / days.length;
    const barWidth = Math.max(2, slot * 0.7);
    days.forEach((day, i) => {
      const height = (day.calls / max) * chartHeight;
      const x = PAGE.margin + i * slot + (slot - barWidth) / 2;
      if (height > 0) doc.rect(x, y + chartHeight - height, barWidth, height).fill(theme.primary);
      doc.font('Helvetica').fontSize(6).fillColor(theme.muted);
      if (days.length <= 7 || i % 2 === 0) text(day.date.slice(8, 10), PAGE.margin + i * slot, y + chartHeight + 3, { width: slot, align: 'center', lineBreak: false });
    });
    doc.moveTo(PAGE.margin, y + chartHeight).lineTo(PAGE.margin + width, y + chartHeight).lineWidth(0.5).strokeColor(theme.muted).stroke();
    doc.font('Helvetica').fontSize(7).fillColor(theme.muted);
    text(t('reports.perDayMax', { count: max }), PAGE.margin, y - 2, { width, align: 'right', lineBreak: false });
  }

  doc.font('Helvetica').fontSize(8).fillColor(theme.muted);
  text(t('reports.footer', { brand: options.brand.name, email: options.brand.supportEmail, date: formatDay(options.generatedAt, options.locale, options.timezone), timezone: options.timezone }), PAGE.margin, PAGE.height - PAGE.margin - 20, { width, align: 'center', lineBreak: false });
  doc.end();
  return done;
}
