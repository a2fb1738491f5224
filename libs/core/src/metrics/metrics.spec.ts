import pino from 'pino';
import { InProcessEventBus } from '../events/in-process.event-bus';
import { InProcessJobQueue } from '../jobs/in-process.job-queue';
import { runJobQueueContract } from '../jobs/job-queue.contract';
import { ActiveCallsTracker } from './active-calls';
import { instrumentJobQueue } from './instrumented-job-queue';
import { HOOK_LATENCY_BUCKETS, Metrics, histogramQuantile, mergeHistograms, statusClass } from './metrics';

const logger = pino({ level: 'silent' });

/** A start time `ms` milliseconds ago, as the hook dispatcher takes it. */
const startedMsAgo = (ms: number): bigint => process.hrtime.bigint() - BigInt(Math.round(ms * 1e6));

/** The value of one sample line of the exposition (`name{labels} value`). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('Metrics', () => {
  it('exposes the hook latency histogram in Prometheus text, cumulative per bucket', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.observeHook('turn', 200, startedMsAgo(30)); // 25–50 ms
    metrics.observeHook('turn', 200, startedMsAgo(30));
    metrics.observeHook('call', 500, startedMsAgo(300)); // 250–500 ms
    const { contentType, body } = await metrics.exposition();

    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE tero_jambonz_hook_duration_seconds histogram');
    const turn = { hook: 'turn', status: '2xx' };
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_bucket', { ...turn, le: '0.025' })).toBe(0);
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_bucket', { ...turn, le: '0.05' })).toBe(2);
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_bucket', { ...turn, le: '+Inf' })).toBe(2);
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_count', turn)).toBe(2);
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_bucket', { hook: 'call', status: '5xx', le: '0.25' })).toBe(0);
    expect(sample(body, 'tero_jambonz_hook_duration_seconds_bucket', { hook: 'call', status: '5xx', le: '0.5' })).toBe(1);
    // one line per bound, +Inf included
    const bounds = body.split('\n').filter((l) => l.startsWith('tero_jambonz_hook_duration_seconds_bucket{') && l.includes('hook="turn"'));
    expect(bounds).toHaveLength(HOOK_LATENCY_BUCKETS.length + 1);
  });

  it('reads the queue\'s job counts at each scrape, per queue and state, and keeps answering when the queue cannot', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let counts: Record<string, { waiting: number; active: number; delayed: number; failed: number }> = { 'emails.send': { waiting: 4, active: 1, delayed: 0, failed: 2 } };
    let down = false;
    metrics.setJobCountsSource(async () => {
      if (down) throw new Error('redis down');
      return counts;
    });
    const first = (await metrics.exposition()).body;
    expect(first).toContain('tero_jobs{queue="emails.send",state="waiting"} 4');
    expect(first).toContain('tero_jobs{queue="emails.send",state="failed"} 2');
    counts = { 'emails.send': { waiting: 0, active: 0, delayed: 0, failed: 3 } };
    expect((await metrics.exposition()).body).toContain('tero_jobs{queue="emails.send",state="waiting"} 0');
    down = true;
    const during = (await metrics.exposition()).body;
    expect(during).toContain('tero_jobs{queue="emails.send",state="failed"} 3');
    // The failure is counted (the registry reads its series side by side, so the count shows from the next scrape).
    expect((await metrics.exposition()).body).toMatch(/tero_errors_total\{area="metrics"\} [12]\n/);
  });

  it('keeps each registry to itself: two instances do not see each other’s series, and nothing lands in the global registry', async () => {
    const { register } = await import('prom-client');
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.observeHook('status', 200, startedMsAgo(1));
    a.countError('http');
    expect(sample((await b.exposition()).body, 'tero_jambonz_hook_duration_seconds_count', { hook: 'status' })).toBeUndefined();
    expect(sample((await b.exposition()).body, 'tero_errors_total', { area: 'http' })).toBeUndefined();
    expect(sample((await a.exposition()).body, 'tero_errors_total', { area: 'http' })).toBe(1);
    expect(await register.metrics()).not.toContain('tero_');
  });

  it('adds the process metrics unless turned off, and labels every series', async () => {
    const metrics = new Metrics({ labels: { app: 'server' } });
    const body = (await metrics.exposition()).body;
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(body, 'tero_active_calls', { app: 'server' })).toBe(0);
  });

  it('reads active calls from its source at each scrape', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let calls = 3;
    metrics.setActiveCallsSource(() => calls);
    expect(sample((await metrics.exposition()).body, 'tero_active_calls')).toBe(3);
    calls = 1;
    expect(sample((await metrics.exposition()).body, 'tero_active_calls')).toBe(1);
  });

  it('snapshots the hook histogram per label set, buckets in order', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    for (let i = 0; i < 4; i++) metrics.observeHook('turn', 200, startedMsAgo(3));
    metrics.observeHook('turn', 404, startedMsAgo(700));
    const snapshot = await metrics.hookLatencySnapshot();
    const ok = snapshot.find((s) => s.labels.status === '2xx')!;
    expect(ok.labels).toEqual({ hook: 'turn', status: '2xx' });
    expect(ok.count).toBe(4);
    expect(ok.buckets.map((b) => b.le)).toEqual([...HOOK_LATENCY_BUCKETS, Number.POSITIVE_INFINITY]);
    expect(ok.buckets.find((b) => b.le === 0.005)!.count).toBe(4);
    const merged = mergeHistograms(snapshot)!;
    expect(merged.count).toBe(5);
    expect(merged.buckets.at(-1)!.count).toBe(5);
  });
});

describe('histogramQuantile', () => {
  const buckets = [
    { le: 0.01, count: 10 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];

  it('interpolates within the bucket the rank falls in, as Prometheus does', () => {
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(0.005); // 5 of the first 10, from 0
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01 + 0.09 * (40 / 80));
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.1 + 0.9 * (5 / 10));
  });

  it('answers the highest finite bound when the rank is beyond it, and null with no observation', () => {
    expect(histogramQuantile(0.99, [{ le: 0.1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 10 }])).toBe(0.1);
    expect(histogramQuantile(0.5, [{ le: 0.1, count: 0 }, { le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [])).toBeNull();
  });

  it('names status classes', () => {
    expect([statusClass(200), statusClass(204), statusClass(413), statusClass(503), statusClass(0)]).toEqual(['2xx', '2xx', '4xx', '5xx', 'other']);
  });
});

describe('instrumentJobQueue', () => {
  it('counts runs by queue and outcome, failures as job errors, and none active once done', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const queue = instrumentJobQueue(new InProcessJobQueue(logger), metrics);
    let seenActive: number | undefined;
    queue.register('work.ok', async () => {
      seenActive = sample((await metrics.exposition()).body, 'tero_jobs_active', { queue: 'work.ok' });
      return 'done';
    });
    queue.register('work.bad', async () => {
      throw new Error('nope');
    }, { attempts: 2, backoff: { type: 'fixed', delayMs: 0 } });
    await queue.start();
    await queue.enqueue('work.ok', {});
    await queue.enqueue('work.bad', {});
    await queue.drain();
    const body = (await metrics.exposition()).body;
    expect(seenActive).toBe(1);
    expect(sample(body, 'tero_jobs_active', { queue: 'work.ok' })).toBe(0);
    expect(sample(body, 'tero_jobs_processed_total', { queue: 'work.ok', outcome: 'completed' })).toBe(1);
    expect(sample(body, 'tero_jobs_processed_total', { queue: 'work.bad', outcome: 'failed' })).toBe(2);
    expect(sample(body, 'tero_jobs_processed_total', { queue: 'work.bad', outcome: 'completed' })).toBe(0);
    expect(sample(body, 'tero_errors_total', { area: 'jobs' })).toBe(2);
    await queue.close();
  });
});

// The wrapper must keep every promise of the port.
runJobQueueContract('in-process, instrumented', async () => instrumentJobQueue(new InProcessJobQueue(logger), new Metrics({ defaultMetrics: false })));

describe('ActiveCallsTracker', () => {
  const event = (type: string, callSid: string) => ({ type, brandId: 'b', clientId: 'c', payload: { callSid } });
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('counts calls from their start to their end, ignores an end it never saw start, and forgets a call past the limit', async () => {
    const bus = new InProcessEventBus(logger);
    let now = 0;
    const tracker = new ActiveCallsTracker(bus, { startedEvent: 'call.started', endedEvent: 'call.ended', maxCallMs: 1000, now: () => now });
    await bus.publish(event('call.started', 'a'));
    await bus.publish(event('call.started', 'b'));
    await bus.publish(event('call.started', 'b')); // a redelivered start counts once
    await settle();
    expect(tracker.count()).toBe(2);
    await bus.publish(event('call.ended', 'a'));
    await bus.publish(event('call.ended', 'zzz'));
    await settle();
    expect(tracker.count()).toBe(1);
    now = 2000;
    expect(tracker.count()).toBe(0);
    tracker.stop();
    await bus.publish(event('call.started', 'c'));
    await settle();
    expect(tracker.count()).toBe(0);
    await bus.close();
  });
});
