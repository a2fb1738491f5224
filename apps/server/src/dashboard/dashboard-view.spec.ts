import type { ClientSummary } from '@tero/analytics';
import { NO_VALUE, dashboardData, formatDuration, formatFigures, formatMoney, minorDigits } from './dashboard-view';

const summary = (fields: Partial<ClientSummary>): ClientSummary => ({
  range: { from: '2026-03-09', to: '2026-03-09' },
  timezone: 'America/New_York',
  currency: 'USD',
  calls: 0,
  successRate: null,
  averageDurationSeconds: null,
  revenueMinor: 0,
  missedCallsRecovered: 0,
  outcomes: {},
  perHour: new Array(24).fill(0),
  perDay: [],
  sentiment: null,
  ...fields,
});

describe('the dashboard’s figures', () => {
  it('formats money from minor units in the reader’s language, with the currency’s own decimals', () => {
    expect(formatMoney(12_050, 'USD', 'en')).toBe('$120.50');
    expect(formatMoney(12_050, 'EUR', 'fr').replace(/\s/g, ' ')).toBe('120,50 €');
    expect(minorDigits('JPY')).toBe(0);
    expect(formatMoney(1200, 'JPY', 'en')).toBe('¥1,200');
  });

  it('formats durations as m:ss, and h:mm:ss past an hour', () => {
    expect([formatDuration(null), formatDuration(5), formatDuration(92.4), formatDuration(3725)]).toEqual([NO_VALUE, '0:05', '1:32', '1:02:05']);
  });

  it('shows a dash, not 0 %, before any call ended, and sentiment only when the post-call work gave it', () => {
    expect(formatFigures(summary({ calls: 2 }), 'en')).toEqual({ calls: '2', successRate: NO_VALUE, averageDuration: NO_VALUE, revenue: '$0.00', missedRecovered: '0', sentiment: null });
    const figures = formatFigures(summary({ calls: 1234, successRate: 0.755, averageDurationSeconds: 61, revenueMinor: 99_00, missedCallsRecovered: 3, sentiment: { positive: 3, neutral: 1, negative: 0 } }), 'es');
    expect(figures).toMatchObject({ calls: '1234', averageDuration: '1:01', missedRecovered: '3' });
    expect(figures.successRate.replace(/\s/g, ' ')).toBe('76 %');
    expect(figures.sentiment?.positive.replace(/\s/g, ' ')).toBe('75 %');
  });

  it('gives the page’s script the words of every outcome and route in the reader’s language', () => {
    const data = dashboardData({ summary: { today: summary({}), period: summary({}) }, live: [], locale: 'fr', t: (key) => `«${key}»`, uplotCss: '/assets/uplot/x/uPlot.min.css' });
    expect(data.words.outcomes.message_taken).toBe('«analytics:dashboard.outcomes.message_taken»');
    expect(Object.keys(data.words.routes)).toContain('after_hours');
    expect(data.uplotCss).toBe('/assets/uplot/x/uPlot.min.css');
  });
});
