import type { Brand, Client, Invoice } from '@tero/db';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type PDFKitDocument from 'pdfkit';
import type { BrandBillingSettings } from '../settings/brand-billing-settings';
import { formatDay, formatMoney, formatRate } from './money-format';

/**
 * A new pdfkit document. pdfkit (with fontkit, brotli and their font tables) is required on the first PDF
 * rather than at boot: ~9 MB of heap that a server answering calls does not need until someone downloads
 * an invoice, an export or a report. Every PDF of the app (invoices here, exports and reports in
 * analytics) is started through this.
 */
export function newPdfDocument(options?: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  const PDFDocument = require('pdfkit') as typeof PDFKitDocument;
  return new PDFDocument(options);
}

/** The whole document's bytes, once `doc.end()` is called (collected from the start: call it before drawing). */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Colours of the brand's theme the invoice is drawn with (`#rrggbb`). */
export interface InvoiceTheme {
  primary: string;
  primaryText: string;
  text: string;
  muted: string;
}

/** The default theme's tokens (themes/default/theme.json). */
export const DEFAULT_INVOICE_THEME: InvoiceTheme = { primary: '#4f46e5', primaryText: '#ffffff', text: '#0f172a', muted: '#64748b' };

/**
 * The invoice's colours from a brand: its own token overrides (`colorPrimary`, `colorPrimaryText`,
 * `colorText`, `colorMuted`) over the theme's tokens when given, over the default theme's.
 */
export function invoiceThemeOf(brand: Pick<Brand, 'themeTokens'>, themeTokens: Record<string, string> = {}): InvoiceTheme {
  const tokens = { ...themeTokens, ...(brand.themeTokens ?? {}) };
  const pick = (key: string, fallback: string) => (/^#[0-9a-f]{6}$/i.test(tokens[key] ?? '') ? tokens[key]! : fallback);
  return {
    primary: pick('colorPrimary', DEFAULT_INVOICE_THEME.primary),
    primaryText: pick('colorPrimaryText', DEFAULT_INVOICE_THEME.primaryText),
    text: pick('colorText', DEFAULT_INVOICE_THEME.text),
    muted: pick('colorMuted', DEFAULT_INVOICE_THEME.muted),
  };
}

export interface InvoicePdfOptions {
  brand: Pick<Brand, 'name' | 'supportEmail'>;
  client: Pick<Client, 'name' | 'timezone'>;
  settings: Pick<BrandBillingSettings, 'legalName' | 'address' | 'taxNumber'>;
  i18n: I18nInstance;
  /** The invoice's own language when absent. */
  locale?: string;
  theme?: InvoiceTheme;
}

/**
 * Characters the PDF's standard fonts (Helvetica, WinAnsi encoding) can draw: Latin-1 and the few extra
 * signs of Windows-1252 (€, dashes, curly quotes…), which covers English, Spanish and French. Anything else
 * (a client name in another script) is shown as `?` rather than as a wrong glyph.
 */
const WIN_ANSI_EXTRAS = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
export function winAnsi(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    if (code === 0x202f || code === 0xa0) out += ' ';
    else if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa1 && code <= 0xff) || WIN_ANSI_EXTRAS.includes(char)) out += char;
    else if (char === '\n') out += char;
    else out += '?';
  }
  return out;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const COLUMNS = { description: 50, quantity: 330, unit: 380, amount: 465, right: 545 };

/**
 * Renders an invoice as a PDF (A4) in the reader's language: the seller (the brand's legal name, address
 * and tax number), the number and dates, the client, the lines, subtotal, tax and total, and the status.
 * Amounts and dates are formatted for the locale; the brand's theme colours the header and table.
 */
export async function renderInvoicePdf(invoice: Invoice, options: InvoicePdfOptions): Promise<Buffer> {
  const locale = options.locale ?? invoice.locale;
  const t = options.i18n.getFixedT(locale, 'billing') as TFunction;
  const theme = options.theme ?? DEFAULT_INVOICE_THEME;
  const money = (minor: number) => formatMoney(minor, invoice.currency, locale);
  const day = (date: Date) => formatDay(date, locale, options.client.timezone);
  const seller = options.settings.legalName ?? options.brand.name;

  const doc = newPdfDocument({
    size: 'A4',
    margin: PAGE.margin,
    lang: locale,
    info: { Title: `${t('invoice.title')} ${invoice.number}`, Author: winAnsi(seller), Subject: winAnsi(options.client.name) },
  });
  const done = pdfBytes(doc);
  const text = (value: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsi(value), x, y, opts);

  // Header: the brand and the document's title.
  doc.font('Helvetica-Bold').fontSize(20).fillColor(theme.primary);
  text(options.brand.name, PAGE.margin, PAGE.margin, { width: 300 });
  text(t('invoice.title'), 345, PAGE.margin, { width: 200, align: 'right' });

  // The seller, left; the invoice's particulars, right.
  let y = PAGE.margin + 40;
  doc.font('Helvetica-Bold').fontSize(10).fillColor(theme.text);
  text(seller, PAGE.margin, y, { width: 260 });
  doc.font('Helvetica').fillColor(theme.muted);
  for (const line of options.settings.address) text(line, PAGE.margin, doc.y, { width: 260 });
  if (options.settings.taxNumber) text(t('invoice.taxNumber', { number: options.settings.taxNumber }), PAGE.margin, doc.y, { width: 260 });
  const sellerBottom = doc.y;

  const facts: [string, string][] = [
    [t('invoice.number'), invoice.number],
    [t('invoice.issued'), day(invoice.issuedAt)],
  ];
  if (invoice.periodStart && invoice.periodEnd) facts.push([t('invoice.period'), `${day(invoice.periodStart)} – ${day(invoice.periodEnd)}`]);
  facts.push([t('invoice.statusLabel'), t(`invoice.status.${invoice.status}`)]);
  let factY = y;
  for (const [label, value] of facts) {
    doc.font('Helvetica').fillColor(theme.muted);
    text(label, 320, factY, { width: 105 });
    doc.font('Helvetica-Bold').fillColor(theme.text);
    text(value, 425, factY, { width: 120, align: 'right' });
    factY = Math.max(doc.y, factY + 14);
  }

  // The client.
  y = Math.max(sellerBottom, factY) + 20;
  doc.font('Helvetica').fontSize(9).fillColor(theme.muted);
  text(t('invoice.billTo'), PAGE.margin, y);
  doc.font('Helvetica-Bold').fontSize(11).fillColor(theme.text);
  text(options.client.name, PAGE.margin, doc.y + 2, { width: 300 });

  // The lines.
  y = doc.y + 20;
  doc.rect(PAGE.margin, y, COLUMNS.right - PAGE.margin, 20).fill(theme.primary);
  doc.font('Helvetica-Bold').fontSize(9).fillColor(theme.primaryText);
  text(t('invoice.description'), COLUMNS.description + 6, y + 6, { width: 270 });
  text(t('invoice.quantity'), COLUMNS.quantity, y + 6, { width: 45, align: 'right' });
  text(t('invoice.unitPrice'), COLUMNS.unit, y + 6, { width: 80, align: 'right' });
  text(t('invoice.amount'), COLUMNS.amount, y + 6, { width: 74, align: 'right' });
  y += 26;
  const quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  doc.font('Helvetica').fontSize(10).fillColor(theme.text);
  for (const line of invoice.lines) {
    if (y > PAGE.height - 200) {
      doc.addPage();
      y = PAGE.margin;
    }
    text(line.description, COLUMNS.description + 6, y, { width: 270 });
    const rowBottom = doc.y;
    text(quantity.format(line.quantity), COLUMNS.quantity, y, { width: 45, align: 'right' });
    text(money(line.unitMinor), COLUMNS.unit, y, { width: 80, align: 'right' });
    text(money(line.amountMinor), COLUMNS.amount, y, { width: 74, align: 'right' });
    y = Math.max(rowBottom, y + 14) + 6;
    doc.moveTo(PAGE.margin, y - 3).lineTo(COLUMNS.right, y - 3).lineWidth(0.5).strokeColor('#e2e8f0').stroke();
  }

  // The sums.
  y += 6;
  const sum = (label: string, value: string, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(bold ? 12 : 10).fillColor(theme.text);
    text(label, 320, y, { width: 140, align: 'right' });
    text(value, COLUMNS.amount, y, { width: 74, align: 'right' });
    y = doc.y + 6;
  };
  sum(t('invoice.subtotal'), money(invoice.subtotalMinor));
  if (invoice.taxRateBps > 0 || invoice.taxMinor !== 0) {
    sum(t('invoice.tax', { label: invoice.taxLabel ?? t('invoice.taxDefault'), rate: formatRate(invoice.taxRateBps, locale) }), money(invoice.taxMinor));
  }
  sum(t('invoice.total'), money(invoice.totalMinor), true);

  if (invoice.status === 'paid' && invoice.paidAt) {
    doc.font('Helvetica').fontSize(10).fillColor(theme.muted);
    text(t('invoice.paidOn', { date: day(invoice.paidAt) }), PAGE.margin, y + 10, { width: 495 });
  }

  doc.font('Helvetica').fontSize(8).fillColor(theme.muted);
  text(`${seller} · ${options.brand.supportEmail}`, PAGE.margin, PAGE.height - PAGE.margin - 20, { width: 495, align: 'center', lineBreak: false });
  doc.end();
  return done;
}
