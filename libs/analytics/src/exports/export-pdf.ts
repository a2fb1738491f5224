import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { DEFAULT_INVOICE_THEME, type InvoiceTheme, formatMoney, newPdfDocument, winAnsi } from '@tero/billing';
import { formatLocal } from '@tero/core';
import type { Booking, Call, CallerMessage } from '@tero/db';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { ExportKind, ExportRequest } from './export-request';

/** What frames an exported PDF: whose rows, in whose language and colours. */
export interface ExportPdfOptions {
  brand: { name: string; supportEmail: string };
  client: { name: string; timezone: string };
  request: ExportRequest;
  i18n: I18nInstance;
  locale: string;
  theme?: InvoiceTheme;
}

interface PdfColumn<E> {
  key: string;
  width: number;
  value(row: E, ctx: { t: TFunction; locale: string; timeZone: string }): string;
  align?: 'left' | 'right';
}

const local = (at: Date | null | undefined, timeZone: string) => (at ? formatLocal(at, timeZone).replace('T', ' ') : '');
const duration = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? '' : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`);

/** The columns a PDF shows (a page is narrower than a spreadsheet): the ones a reader scans. */
const PDF_COLUMNS: { calls: PdfColumn<Call>[]; bookings: PdfColumn<Booking>[]; messages: PdfColumn<CallerMessage>[] } = {
  calls: [
    { key: 'startedAt', width: 95, value: (c, x) => local(c.startedAt, x.timeZone) },
    { key: 'caller', width: 150, value: (c) => (c.callerName ? `${c.callerName} · ${c.fromNumber}` : c.fromNumber) },
    { key: 'route', width: 80, value: (c, x) => x.t(`exports.routes.${c.route}`) },
    { key: 'outcome', width: 110, value: (c, x) => (c.outcome ? x.t(`exports.outcomes.${c.outcome}`) : '') },
    { key: 'duration', width: 60, value: (c) => duration(c.durationSeconds), align: 'right' },
  ],
  bookings: [
    { key: 'startsAt', width: 95, value: (b, x) => local(b.startsAt, x.timeZone) },
    { key: 'service', width: 140, value: (b) => b.serviceName },
    { key: 'caller', width: 130, value: (b) => [b.callerName, b.callerPhone].filter(Boolean).join(' · ') },
    { key: 'status', width: 60, value: (b, x) => x.t(`exports.bookingStatus.${b.status}`) },
    { key: 'value', width: 70, value: (b, x) => formatMoney(b.valueMinor, b.currency, x.locale), align: 'right' },
  ],
  messages: [
    { key: 'createdAt', width: 95, value: (m, x) => local(m.createdAt, x.timeZone) },
    { key: 'caller', width: 120, value: (m) => [m.callerName, m.callbackNumber].filter(Boolean).join(' · ') },
    { key: 'urgent', width: 40, value: (m, x) => (m.urgent ? x.t('exports.yes') : '') },
    { key: 'text', width: 240, value: (m) => m.text },
  ],
};

const PAGE = { width: 595.28, height: 841.89, margin: 40 };
/** Bytes of PDF held for a slow reader before the walk waits for it to catch up. */
const BUFFERED_LIMIT = 1_048_576;

/**
 * An export as a PDF (A4), written while the rows arrive: a header with the brand, the client and the
 * range, then one line per row in the brand's colours, a new page when one fills. pdfkit hands each
 * finished page to the stream, and the walk waits while more than 1 MiB is unread, so memory stays flat.
 * Rows come from `batches`; `onBatch` hears the running count (a job's progress).
 */
export function exportPdfStream(batches: AsyncIterable<{ rows: object[] }>, options: ExportPdfOptions, onBatch?: (done: number) => Promise<void>): Readable {
  const t = options.i18n.getFixedT(options.locale, 'analytics') as TFunction;
  const theme = options.theme ?? DEFAULT_INVOICE_THEME;
  const kind: ExportKind = options.request.kind;
  const columns = PDF_COLUMNS[kind] as PdfColumn<object>[];
  const doc = newPdfDocument({ size: 'A4', margin: PAGE.margin, lang: options.locale, info: { Title: winAnsi(`${t(`exports.kinds.${kind}`)} — ${options.client.name}`), Author: winAnsi(options.brand.name) } });
  const text = (value: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsi(value), x, y, opts);
  const cellContext = { t, locale: options.locale, timeZone: options.client.timezone };

  let y = PAGE.margin;
  const header = () => {
    doc.rect(PAGE.margin, y, PAGE.width - 2 * PAGE.margin, 18).fill(theme.primary);
    doc.font('Helvetica-Bold').fontSize(8).fillColor(theme.primaryText);
    let x = PAGE.margin + 4;
    for (const column of columns) {
      text(t(`exports.columns.${column.key}`), x, y + 5, { width: column.width - 6, align: column.align ?? 'left', lineBreak: false });
      x += column.width;
    }
    y += 22;
    doc.font('Helvetica').fontSize(8).fillColor(theme.text);
  };

  doc.font('Helvetica-Bold').fontSize(16).fillColor(theme.primary);
  text(options.brand.name, PAGE.margin, y, { width: 300 });
  text(t(`exports.kinds.${kind}`), 315, y, { width: PAGE.width - PAGE.margin - 315, align: 'right' });
  y += 26;
  doc.font('Helvetica-Bold').fontSize(11).fillColor(theme.text);
  text(options.client.name, PAGE.margin, y, { width: 515 });
  y = doc.y + 2;
  doc.font('Helvetica').fontSize(9).fillColor(theme.muted);
  text(t('exports.pdfRange', { from: options.request.range.from, to: options.request.range.to, timezone: options.client.timezone }), PAGE.margin, y, { width: 515 });
  y = doc.y + 12;
  header();

  const write = async () => {
    let done = 0;
    for await (const batch of batches) {
      for (const row of batch.rows) {
        if (y > PAGE.height - PAGE.margin - 60) {
          doc.addPage();
          y = PAGE.margin;
          header();
        }
        let x = PAGE.margin + 4;
        let bottom = y + 10;
        for (const column of columns) {
          const value = column.value(row, cellContext).replace(/\s+/g, ' ').slice(0, column.key === 'text' ? 300 : 80);
          text(value, x, y, { width: column.width - 6, align: column.align ?? 'left', height: 40, ellipsis: true });
          bottom = Math.max(bottom, doc.y);
          x += column.width;
        }
        y = bottom + 3;
        doc.moveTo(PAGE.margin, y - 1.5).lineTo(PAGE.width - PAGE.margin, y - 1.5).lineWidth(0.3).strokeColor('#e2e8f0').stroke();
      }
      done += batch.rows.length;
      await onBatch?.(done);
      while (doc.readableLength > BUFFERED_LIMIT && !doc.destroyed) await Promise.race([once(doc, 'data'), once(doc, 'close')]);
      if (doc.destroyed) return;
    }
    if (done === 0) {
      doc.fillColor(theme.muted);
      text(t('exports.empty'), PAGE.margin, y + 6, { width: 515 });
    }
    doc.font('Helvetica').fontSize(7).fillColor(theme.muted);
    text(t('exports.pdfFooter', { rows: done, brand: options.brand.name, email: options.brand.supportEmail }), PAGE.margin, PAGE.height - PAGE.margin - 10, { width: 515, align: 'center', lineBreak: false });
    doc.end();
  };
  write().catch((error: unknown) => doc.destroy(error as Error));
  return doc;
}
