import { join } from 'node:path';
import { Metrics } from '@tero/core';
import type { MonitoringOverview } from '@tero/telephony';
import { MonitoringAssets, bearerMatches } from './monitoring-assets';
import { Figures, hookLatencyRows, plotsPayload } from './monitoring-view';

const ROOT = join(__dirname, '../../../..');
const t = (key: string, vars: Record<string, unknown> = {}) => `${key}${Object.keys(vars).length ? JSON.stringify(vars) : ''}`;

describe('bearerMatches', () => {
  const token = 'metrics-token-0123456789abcdef';
  it('accepts the token as a bearer, and nothing else', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer  ${token} `, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches([`Bearer ${token}`], token)).toBe(false);
  });
  it('accepts nothing when no token is set', () => {
    expect(bearerMatches('Bearer ', undefined)).toBe(false);
    expect(bearerMatches('Bearer x', '')).toBe(false);
  });
});

describe('Figures', () => {
  it('formats in the reader’s language', () => {
    const en = new Figures('en');
    expect([en.duration(65), en.duration(3725), en.duration(null)]).toEqual(['1:05', '1:02:05', '–']);
    expect([en.percent(0.25), en.percent(null), en.ms(1234)]).toEqual(['25%', '–', '1,234 ms']);
    expect(new Figures('fr').percent(0.733)).toMatch(/^73,3\s%$/);
    expect(en.statuses({ attempts: 4, answered: 3, asr: 0.75, averageDurationSeconds: 10, sipStatuses: [{ status: 200, calls: 3 }, { status: 486, calls: 1 }] })).toBe('200 × 3, 486 × 1');
  });
});

describe('plots and hook latency', () => {
  const overview: MonitoringOverview = {
    range: '24h',
    from: new Date(0),
    to: new Date(7200_000),
    bucketSeconds: 3600,
    totals: { attempts: 3, answered: 2, asr: 2 / 3, averageDurationSeconds: 30, sipStatuses: [], webhookFailures: 1, stt: { samples: 0, p50: null, p95: null } },
    carriers: [],
    clients: [],
    alertTypes: [],
    series: [
      { at: 0, attempts: 1, answered: 0, asr: 0, sip: { '2xx': 0, '3xx': 0, '4xx': 1, '5xx': 0, '6xx': 0 }, webhookFailures: 0 },
      { at: 3600, attempts: 2, answered: 2, asr: 1, sip: { '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 0, '6xx': 0 }, webhookFailures: 1 },
    ],
  };

  it('hands the page script one series per figure, in the buckets’ order, and the latency as a cumulative share', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const at = (ms: number) => process.hrtime.bigint() - BigInt(ms * 1e6);
    metrics.observeHook('turn', 200, at(3)); // ≤ 5 ms
    metrics.observeHook('turn', 500, at(30)); // ≤ 50 ms
    const snapshot = await metrics.hookLatencySnapshot();
    const payload = plotsPayload(overview, snapshot, t, 'en');
    expect(payload.plots.map((p) => p.id)).toEqual(['calls', 'sip', 'webhooks', 'hook-latency']);
    expect(payload.plots[0]!.x).toEqual([0, 3600]);
    expect(payload.plots[0]!.series.map((s) => s.values)).toEqual([[1, 2], [0, 2], [0, 100]]);
    expect(payload.plots[1]!.series.find((s) => s.label === '4xx')!.values).toEqual([1, 0]);
    expect(payload.plots[2]!.series[0]!.values).toEqual([0, 1]);
    const latency = payload.plots[3]!;
    expect(latency.x).toEqual([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]);
    expect(latency.series).toHaveLength(1); // both statuses of the turn hook together
    expect(latency.series[0]!.values.slice(0, 6)).toEqual([0, 0, 50, 50, 50, 100]);

    const rows = hookLatencyRows(snapshot, new Figures('en'));
    expect(rows).toEqual([{ hook: 'turn', requests: 2, p50: '≈ 5 ms', p95: expect.stringMatching(/^≈ \d+ ms$/) }]);
  });
});

describe('MonitoringAssets', () => {
  it('serves uPlot from node_modules and the page script under URLs that carry their version', () => {
    const assets = new MonitoringAssets(ROOT);
    const paths = assets.paths();
    expect(paths.uplotJs).toMatch(/^\/assets\/uplot\/\d+\.\d+\.\d+\/uPlot\.iife\.min\.js$/);
    expect(assets.get(paths.uplotJs)!.body.toString('utf8')).toContain('uPlot');
    expect(assets.get(paths.uplotCss)!.contentType).toBe('text/css; charset=utf-8');
    expect(assets.get(paths.plotsJs)!.body.toString('utf8')).toContain("getElementById('monitoring-data')");
    expect(assets.get('/assets/uplot/0.0.0/uPlot.iife.min.js')).toBeNull();
    expect(assets.get('/assets/uplot/../../package.json')).toBeNull();
  });

  it('ships a page script that parses as JavaScript', () => {
    const assets = new MonitoringAssets(ROOT);
    expect(() => new Function(assets.get(assets.paths().plotsJs)!.body.toString('utf8'))).not.toThrow();
  });
});
