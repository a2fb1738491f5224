import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobCounts } from '../jobs/job-queue.port';

const JOB_COUNT_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Upper bounds (seconds) of the hook latency buckets. A jambonz hook is answered in a few milliseconds
 * when all is well; jambonz gives up on a hook after a few seconds, so the buckets stop there.
 */
export const HOOK_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** `2xx`, `4xx`, `5xx`…: the status label of a hook, so that the label set stays small. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC, handles) as prom-client collects them. Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every series (`{ app: 'server' }`). */
  labels?: Record<string, string>;
}

/** One labelled series of the hook latency histogram, as the page shows it. */
export interface HistogramSnapshot {
  /** The label values (`{ hook: 'turn', status: '2xx' }`). */
  labels: Record<string, string>;
  count: number;
  /** Seconds, summed over all observations. */
  sum: number;
  /** Cumulative counts per upper bound (seconds), `+Inf` last. */
  buckets: { le: number; count: number }[];
}

/**
 * The quantile `q` (0–1) of a cumulative histogram, estimated as Prometheus' `histogram_quantile` does:
 * linear within the bucket the rank falls in, the first bucket starting at 0, and the highest finite
 * bound when the rank falls in `+Inf`. `null` when nothing was observed.
 */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  if (!buckets.length) return null;
  const total = buckets[buckets.length - 1]!.count;
  if (!(total > 0)) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return previousBound;
      const inBucket = bucket.count - previousCount;
      if (inBucket <= 0) return bucket.le;
      return previousBound + (bucket.le - previousBound) * ((rank - previousCount) / inBucket);
    }
    previousBound = bucket.le;
    previousCount = bucket.count;
  }
  return previousBound;
}

/** Adds cumulative histograms bucket by bucket (same bounds), e.g. every status of one hook kind. */
export function mergeHistograms(series: readonly HistogramSnapshot[]): HistogramSnapshot | null {
  if (!series.length) return null;
  const buckets = series[0]!.buckets.map((b) => ({ le: b.le, count: 0 }));
  let count = 0;
  let sum = 0;
  for (const s of series) {
    count += s.count;
    sum += s.sum;
    s.buckets.forEach((b, i) => {
      if (buckets[i]) buckets[i].count += b.count;
    });
  }
  return { labels: {}, count, sum, buckets };
}

/**
 * The process's metrics, exposed at `/metrics` in Prometheus' text format. Each instance has its own
 * registry (nothing is registered in prom-client's global one), so a test builds its own and a process
 * builds one in its kernel:
 * - `tero_jambonz_hook_duration_seconds{hook,status}`: time from a hook request's arrival to its answer;
 * - `tero_active_calls`: calls in progress, from a source the kernel sets (see {@link setActiveCallsSource});
 * - `tero_jobs_active{queue}`, `tero_jobs_processed_total{queue,outcome}`: job runs in this process;
 * - `tero_jobs{queue,state}`: jobs waiting, active, delayed and failed in the whole queue, read at each scrape;
 * - `tero_errors_total{area}`: failures answered or logged as errors (`http`, `jambonz_hook`, `jobs`, `monitoring`…);
 * - prom-client's process metrics (`process_*`, `nodejs_*`) unless turned off.
 */
export class Metrics {
  readonly registry: Registry;
  readonly hookLatency: Histogram<'hook' | 'status'>;
  readonly activeCalls: Gauge;
  readonly jobsActive: Gauge<'queue'>;
  readonly jobsProcessed: Counter<'queue' | 'outcome'>;
  readonly errors: Counter<'area'>;
  /** Children of the hook histogram by `hook|status`, so that the hot path hashes no label object. */
  private readonly hookSeries = new Map<string, Histogram.Internal<'hook' | 'status'>>();
  private activeCallsSource: (() => number) | null = null;
  private jobCountsSource: (() => Promise<Record<string, JobCounts>>) | null = null;
  readonly jobs: Gauge<'queue' | 'state'>;

  constructor(options: MetricsOptions = {}) {
    this.registry = new Registry();
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    const registers = [this.registry];
    this.hookLatency = new Histogram({
      name: 'tero_jambonz_hook_duration_seconds',
      help: 'Time from a jambonz hook request arriving to its answer being written, by hook and status class.',
      labelNames: ['hook', 'status'],
      buckets: [...HOOK_LATENCY_BUCKETS],
      registers,
    });
    const self = this;
    this.activeCalls = new Gauge({
      name: 'tero_active_calls',
      help: 'Calls in progress (started and not yet ended) as this process knows them.',
      registers,
      collect() {
        this.set(self.activeCallsSource ? self.activeCallsSource() : 0);
      },
    });
    this.jobsActive = new Gauge({ name: 'tero_jobs_active', help: 'Jobs running in this process, by queue.', labelNames: ['queue'], registers });
    this.jobsProcessed = new Counter({
      name: 'tero_jobs_processed_total',
      help: 'Job runs (attempts) finished in this process, by queue and outcome (completed, failed).',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.jobs = new Gauge({
      name: 'tero_jobs',
      help: 'Jobs in the queue (every process\'s), by queue and state (waiting, active, delayed, failed), read at each scrape.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        if (!self.jobCountsSource) return;
        let counts: Record<string, JobCounts>;
        try {
          counts = await self.jobCountsSource();
        } catch {
          // A queue that cannot answer (Redis down) leaves the gauge as it was; the scrape still answers.
          self.countError('metrics');
          return;
        }
        this.reset();
        for (const [queue, c] of Object.entries(counts)) for (const state of JOB_COUNT_STATES) this.set({ queue, state }, c[state]);
      },
    });
    this.errors = new Counter({ name: 'tero_errors_total', help: 'Errors, by area of the application.', labelNames: ['area'], registers });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Records one answered hook: `startedAt` is `process.hrtime.bigint()` taken when the request arrived.
   * Cheap enough for every hook: one clock read, a map look-up and an observation.
   */
  observeHook(hook: string, status: number, startedAt: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const cls = statusClass(status);
    const key = `${hook}|${cls}`;
    let series = this.hookSeries.get(key);
    if (!series) {
      series = this.hookLatency.labels(hook, cls);
      this.hookSeries.set(key, series);
    }
    series.observe(seconds);
  }

  /** Where `tero_active_calls` reads its value at each scrape. */
  setActiveCallsSource(source: () => number): void {
    this.activeCallsSource = source;
  }

  /** Where `tero_jobs{queue,state}` reads the queue's counts at each scrape (the kernel's job queue). */
  setJobCountsSource(source: () => Promise<Record<string, JobCounts>>): void {
    this.jobCountsSource = source;
  }

  countError(area: string): void {
    this.errors.inc({ area });
  }

  /** The registry in Prometheus' text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** The hook latency histogram's series as they stand, for the monitoring page's estimates. */
  async hookLatencySnapshot(): Promise<HistogramSnapshot[]> {
    const metric = await this.hookLatency.get();
    const series = new Map<string, HistogramSnapshot>();
    for (const value of metric.values) {
      const labels: Record<string, string> = {};
      for (const [key, v] of Object.entries(value.labels)) if (key !== 'le') labels[key] = String(v);
      const key = JSON.stringify(labels);
      let entry = series.get(key);
      if (!entry) series.set(key, (entry = { labels, count: 0, sum: 0, buckets: [] }));
      const name = (value as { metricName?: string }).metricName ?? '';
      if (name.endsWith('_bucket')) {
        const le = (value.labels as Record<string, string | number | undefined>).le;
        entry.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: value.value });
      } else if (name.endsWith('_count')) entry.count = value.value;
      else if (name.endsWith('_sum')) entry.sum = value.value;
    }
    for (const entry of series.values()) entry.buckets.sort((a, b) => a.le - b.le);
    return [...series.values()];
  }
}
