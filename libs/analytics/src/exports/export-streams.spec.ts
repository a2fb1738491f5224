import { join } from 'node:path';
import { buffer as streamBuffer } from 'node:stream/consumers';
import { createI18n } from '@tero/core';
import type { CallerMessage } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import { pdfText } from '../../../core/src/testing/pdf-text';
import { exportCsvStream } from './export-csv';
import { exportPdfStream } from './export-pdf';
import { EXPORT_COLUMNS, type ExportValue, decimalAmount, zonedIso } from './export-rows';

async function* batches<T>(all: T[], size: number): AsyncGenerator<{ rows: T[]; values: ExportValue[][] }> {
  for (let i = 0; i < all.length; i += size) {
    const rows = all.slice(i, i + size);
    yield { rows, values: rows.map((row) => Object.values(row as object) as ExportValue[]) };
  }
}

describe('export streams', () => {
  let i18n: I18nInstance;
  beforeAll(async () => {
    i18n = await createI18n(join(__dirname, '../../../../locales'));
  });

  it('writes the CSV header first, then every batch, and reports the running count', async () => {
    const seen: number[] = [];
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, at: '2026-11-18T09:00:00-05:00', name: i === 2 ? '=1+1' : `Caller ${i}` }));
    const csv = (await streamBuffer(exportCsvStream('messages', batches(rows, 2), async (done) => void seen.push(done)))).toString('utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(`\uFEFF${EXPORT_COLUMNS.messages.join(',')}`);
    expect(lines.slice(1, 6)).toEqual(['m0,2026-11-18T09:00:00-05:00,Caller 0', 'm1,2026-11-18T09:00:00-05:00,Caller 1', "m2,2026-11-18T09:00:00-05:00,'=1+1", 'm3,2026-11-18T09:00:00-05:00,Caller 3', 'm4,2026-11-18T09:00:00-05:00,Caller 4']);
    expect(seen).toEqual([2, 4, 5]);
  });

  it('writes a PDF of many rows over several pages, with the header on each and the row count at the end', async () => {
    const messages = Array.from({ length: 180 }, (_, i) => ({ id: `m${i}`, createdAt: new Date(Date.UTC(2026, 10, 18, 14, i)), callerName: `Caller ${i}`, callbackNumber: '+15550000002', urgent: i % 2 === 0, text: `Message number ${i}` }) as unknown as CallerMessage);
    const seen: number[] = [];
    const pdf = await streamBuffer(
      exportPdfStream(batches(messages, 50), { brand: { name: 'Demo Voice', supportEmail: 'help@demo.test' }, client: { name: 'Bright Smile Dental', timezone: 'America/New_York' }, request: { kind: 'messages', format: 'pdf', range: { from: '2026-11-01', to: '2026-11-30' } }, i18n, locale: 'fr' }, async (done) => void seen.push(done)),
    );
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text, pages } = await pdfText(pdf);
    expect(pages).toBeGreaterThan(2);
    expect(text.match(/Appelant/g)?.length).toBe(pages);
    expect(text).toContain('Bright Smile Dental');
    expect(text).toContain('Du 2026-11-01 au 2026-11-30 (America/New_York)');
    expect(text).toContain('2026-11-18 09:00');
    expect(text).toContain('Message number 179');
    expect(text).toContain('180 lignes');
    expect(seen).toEqual([50, 100, 150, 180]);
  });

  it('says so when there is nothing to export', async () => {
    const pdf = await streamBuffer(exportPdfStream(batches([], 10), { brand: { name: 'Demo Voice', supportEmail: 'help@demo.test' }, client: { name: 'Bright Smile Dental', timezone: 'UTC' }, request: { kind: 'calls', format: 'pdf', range: { from: '2026-11-01', to: '2026-11-30' } }, i18n, locale: 'en' }));
    expect((await pdfText(pdf)).text).toContain('Nothing to export in this range.');
  });

  it('writes instants on the client clock with its offset, and amounts as plain decimals', () => {
    expect(zonedIso(new Date('2026-11-18T14:05:09Z'), 'America/New_York')).toBe('2026-11-18T09:05:09-05:00');
    expect(zonedIso(new Date('2026-07-01T10:00:00Z'), 'Asia/Kolkata')).toBe('2026-07-01T15:30:00+05:30');
    expect(zonedIso(new Date('2026-07-01T10:00:00Z'), 'America/St_Johns')).toBe('2026-07-01T07:30:00-02:30');
    expect(zonedIso(null, 'UTC')).toBeNull();
    expect(decimalAmount(12050, 'USD')).toBe('120.50');
    expect(decimalAmount(1200, 'JPY')).toBe('1200');
  });
});
