import 'reflect-metadata';
import type { Brand, Client, Invoice } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import { pdfText } from '../../../core/src/testing/pdf-text';
import { brandBillingSettings } from '../settings/brand-billing-settings';
import { invoiceThemeOf, renderInvoicePdf, winAnsi } from './invoice-pdf';
import { testI18n } from './testing/billing-fixtures';

const brand = { name: 'Acme Voz', supportEmail: 'ayuda@acme.test', themeTokens: { colorPrimary: '#0d9488' } } as unknown as Brand;
const client = { name: 'Clínica Dental Peña', timezone: 'Europe/Madrid' } as unknown as Client;
const settings = brandBillingSettings({ legalName: 'Acme Voz Servicios S.L.', address: ['Calle Mayor 1', '28013 Madrid'], taxNumber: 'B12345678', taxRateBps: 2100, taxLabel: 'IVA' });

function invoice(locale: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    id: '7d1b0f0e-9a51-4c38-9d57-5f3b6a0f2c11',
    number: 'ACME-2026-000042',
    status: 'paid',
    currency: 'EUR',
    lines: [
      { kind: 'plan', description: locale === 'en' ? 'Growth plan (monthly)' : locale === 'es' ? 'Plan Growth (mensual)' : 'Forfait Growth (mensuel)', quantity: 1, unitMinor: 49900, amountMinor: 49900 },
      { kind: 'overage', description: locale === 'fr' ? 'Minutes au-delà des 500 incluses' : 'Extra minutes', quantity: 42, unitMinor: 25, amountMinor: 1050 },
    ],
    subtotalMinor: 50950,
    taxRateBps: 2100,
    taxLabel: 'IVA',
    taxMinor: 10700,
    totalMinor: 61650,
    periodStart: new Date('2026-03-01T10:00:00Z'),
    periodEnd: new Date('2026-04-01T10:00:00Z'),
    issuedAt: new Date('2026-03-01T10:05:00Z'),
    paidAt: new Date('2026-03-01T10:04:00Z'),
    locale,
    ...overrides,
  } as Invoice;
}

describe('renderInvoicePdf', () => {
  let i18n: I18nInstance;
  beforeAll(async () => {
    i18n = await testI18n();
  });

  it('in English: a PDF whose text shows the brand, its legal details, the client, the lines, the tax and the total', async () => {
    const pdf = await renderInvoicePdf(invoice('en'), { brand, client, settings, i18n, theme: invoiceThemeOf(brand) });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await pdfText(pdf);
    for (const expected of [
      'Acme Voz',
      'Acme Voz Servicios S.L.',
      'Calle Mayor 1',
      'Tax ID: B12345678',
      'Invoice',
      'ACME-2026-000042',
      'Clínica Dental Peña',
      'Growth plan (monthly)',
      'Extra minutes',
      '€499.00',
      '€10.50',
      'Subtotal',
      '€509.50',
      'IVA (21 %)',
      '€107.00',
      'Total',
      '€616.50',
      'Paid',
      'Mar 1, 2026',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('in Spanish and French: labels, amounts and dates as the reader writes them, accents intact', async () => {
    const { text: es } = await pdfText(await renderInvoicePdf(invoice('es'), { brand, client, settings, i18n }));
    for (const expected of ['Factura', 'Número de factura', 'Fecha de emisión', 'Clínica Dental Peña', 'Plan Growth (mensual)', 'Descripción', '499,00 €', 'IVA (21 %)', '107,00 €', '616,50 €', 'Pagada', '1 mar 2026', 'NIF: B12345678']) {
      expect(es).toContain(expected);
    }
    const { text: fr } = await pdfText(await renderInvoicePdf(invoice('fr'), { brand, client, settings, i18n }));
    for (const expected of ['Facture', 'Numéro de facture', "Date d'émission", 'Facturé à', 'Forfait Growth (mensuel)', 'Minutes au-delà des 500 incluses', 'Désignation', '499,00 €', 'Sous-total', '616,50 €', 'Payée', '1 mars 2026']) {
      expect(fr).toContain(expected);
    }
  });

  it('an open invoice without tax shows no tax line and no payment date; its brand name stands in for a missing legal name', async () => {
    const { text } = await pdfText(
      await renderInvoicePdf(invoice('en', { status: 'open', taxRateBps: 0, taxMinor: 0, taxLabel: null, totalMinor: 50950, paidAt: null, currency: 'USD' }), {
        brand,
        client,
        settings: brandBillingSettings({}),
        i18n,
      }),
    );
    expect(text).toContain('Open');
    expect(text).toContain('$509.50');
    expect(text).not.toContain('IVA');
    expect(text).not.toContain('Tax');
    expect(text).not.toContain('Paid on');
    expect(text).toContain('Acme Voz · ayuda@acme.test');
  });

  it('many lines flow onto further pages', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({ kind: 'overage' as const, description: `Line ${i + 1}`, quantity: 1, unitMinor: 100, amountMinor: 100 }));
    const { text } = await pdfText(await renderInvoicePdf(invoice('en', { lines, subtotalMinor: 6000, taxMinor: 1260, totalMinor: 7260 }), { brand, client, settings, i18n }));
    expect(text).toContain('Line 1 ');
    expect(text).toContain('Line 60');
    expect(text).toContain('€72.60');
  });

  it('characters the standard fonts cannot draw become "?", the rest of Latin-1 and € stay', () => {
    expect(winAnsi('Peña – Café “Ça” 5 € 東京')).toBe('Peña – Café “Ça” 5 € ??');
    expect(winAnsi('1\u202f234,50\u00a0€')).toBe('1 234,50 €');
  });
});
