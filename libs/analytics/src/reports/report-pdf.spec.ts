import { join } from 'node:path';
import { createI18n } from '@tero/core';
import type { i18n as I18nInstance } from 'i18next';
import type { ClientSummary } from '../analytics.types';
import { pdfText } from '../../../core/src/testing/pdf-text';
import { periodContaining, previousPeriod } from './report-period';
import { formatRange, renderReportPdf, reportLines } from './report-pdf';

function summary(range: { from: string; to: string }, figures: Partial<ClientSummary>): ClientSummary {
  return {
    range,
    timezone: 'Europe/Paris',
    currency: 'EUR',
    calls: 0,
    successRate: null,
    averageDurationSeconds: null,
    revenueMinor: 0,
    missedCallsRecovered: 0,
    outcomes: {},
    perHour: new Array<number>(24).fill(0),
    perDay: [],
    sentiment: null,
    ...figures,
  };
}

describe('report PDF', () => {
  let i18n: I18nInstance;
  beforeAll(async () => {
    i18n = await createI18n(join(__dirname, '../../../../locales'));
  });

  const period = periodContaining('weekly', '2026-11-18');
  const previous = previousPeriod(period);
  const current = summary(period.range, {
    calls: 8,
    successRate: 0.75,
    averageDurationSeconds: 125,
    revenueMinor: 45000,
    missedCallsRecovered: 3,
    outcomes: { booked: 3, message_taken: 2, answered: 1, abandoned: 2 },
    perDay: [5, 0, 1, 0, 2, 0, 0].map((calls, i) => ({ date: `2026-11-${16 + i}`, calls, revenueMinor: 0, successRate: null })),
  });
  const before = summary(previous.range, { calls: 4, successRate: 0.5, averageDurationSeconds: 100, revenueMinor: 0, outcomes: { booked: 1, voicemail: 3 } });

  it('words each figure with its trend in the reader language', () => {
    const lines = (locale: string) => reportLines({ current, previous: before, i18n, locale }).map((l) => `${l.label} | ${l.current} | ${l.previous} | ${l.change}`);
    expect(lines('en')).toEqual([
      'Calls | 8 | 4 | +100%',
      'Success rate | 75% | 50% | +25 pts',
      'Average duration | 2 min 05 s | 1 min 40 s | +25%',
      'Revenue from bookings | €450.00 | €0.00 | +€450.00',
      'Bookings made by the agent | 3 | 1 | +200%',
      'Messages taken | 2 | 0 | +2',
      'Missed calls recovered | 3 | 0 | +3',
    ]);
    expect(lines('fr')[0]).toBe('Appels | 8 | 4 | +100 %');
    expect(lines('fr')[3]).toBe('Revenus des rendez-vous | 450,00 € | 0,00 € | +450,00 €');
    expect(lines('es')[1]).toBe('Tasa de éxito | 75 % | 50 % | +25 pts');
  });

  it('shows no trend for a figure missing in a period, and "=" for no change from nothing', () => {
    const empty = summary(previous.range, {});
    const lines = reportLines({ current: summary(period.range, {}), previous: empty, i18n, locale: 'en' });
    expect(lines.map((l) => l.change)).toEqual(['=', '–', '–', '=', '=', '=', '=']);
  });

  it('draws the brand, the client, the period, the figures, the outcomes and the days, in Spanish', async () => {
    const pdf = await renderReportPdf({
      brand: { name: 'Acme Voz', supportEmail: 'ayuda@acme.test' },
      client: { name: 'Clínica Dental Peña' },
      period,
      current,
      previous: before,
      i18n,
      locale: 'es',
      generatedAt: new Date('2026-11-24T08:00:00Z'),
      timezone: 'Europe/Madrid',
    });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await pdfText(pdf);
    for (const expected of ['Acme Voz', 'Informe semanal', 'Clínica Dental Peña', formatRange(period.range, 'es'), `Comparado con ${formatRange(previous.range, 'es')}`, 'Llamadas 8 4 +100 %', 'Reservada 3 1', 'Buzón de voz 0 3', 'Llamadas por día', 'Máximo: 5', 'ayuda@acme.test']) {
      expect(text).toContain(expected);
    }
  });
});
