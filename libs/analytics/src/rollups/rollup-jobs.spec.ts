import { type EnqueueOptions, InProcessEventBus, type JobQueue } from '@tero/core';
import type { Database } from '@tero/db';
import { CALL_EVENTS } from '@tero/telephony';
import pino from 'pino';
import type { CallRollups, ClientFrame } from './call-rollups';
import { ROLLUP_CALL_JOB, ROLLUP_DAY_JOB, RollupJobs } from './rollup-jobs';

/** A queue that records what is asked of it (jobs keep their own ids, as both real queues do). */
function recordingQueue() {
  const enqueued: { name: string; data: unknown; options?: EnqueueOptions }[] = [];
  const queue = {
    enqueue: async (name: string, data: unknown, options?: EnqueueOptions) => {
      enqueued.push({ name, data, options });
      return options?.jobId ?? `job-${enqueued.length}`;
    },
  } as unknown as JobQueue;
  return { queue, enqueued };
}

/** 12:00 on the 11th in New York. */
const NOW = '2026-03-11T17:00:00.500Z';

describe('RollupJobs.listen', () => {
  const logger = pino({ level: 'silent' });
  const frames = new Map<string, ClientFrame | null>([
    ['client-ny', { timezone: 'America/New_York', currency: 'USD' }],
    ['client-gone', null],
  ]);
  let reads: string[];
  let bus: InProcessEventBus;
  let enqueued: ReturnType<typeof recordingQueue>['enqueued'];
  let off: () => void;

  beforeEach(() => {
    // One moment for the whole test: the events below fall in one debounce window, whatever the real clock does.
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse(NOW));
    reads = [];
    const rollups = {
      frameOrNull: async (ctx: { clientId: string | null }) => {
        reads.push(ctx.clientId!);
        return frames.get(ctx.clientId!) ?? null;
      },
    } as unknown as CallRollups;
    const recorded = recordingQueue();
    enqueued = recorded.enqueued;
    bus = new InProcessEventBus(logger);
    const jobs = new RollupJobs({ db: {} as Database, jobs: recorded.queue, events: bus, rollups, logger });
    off = jobs.listen(bus);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    off();
    await bus.close();
  });

  const ended = (clientId: string, payload: Record<string, unknown>) => bus.publish({ type: CALL_EVENTS.ended, brandId: 'brand-1', clientId, payload });
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('dates an ended call in the client’s time zone and asks for that day once per window, reading the zone once', async () => {
    // 02:30 UTC on the 11th is still the 10th in New York.
    for (const callId of ['c1', 'c2', 'c3']) await ended('client-ny', { callId, startedAt: '2026-03-11T02:30:00.000Z' });
    await settled();
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({ name: ROLLUP_DAY_JOB, data: { ctx: { brandId: 'brand-1', clientId: 'client-ny' }, date: '2026-03-10' } });
    const window = Math.floor(Date.parse(NOW) / 2000);
    expect(enqueued[0]!.options?.jobId).toBe(`analytics-rollup-day-client-ny-2026-03-10-${window}`);
    // Runs once the window closed (1.5 s from now) and the call record's write-behind had a second more.
    expect(enqueued[0]!.options?.delayMs).toBe(2500);
    expect(reads).toEqual(['client-ny']);
  });

  it('asks for each date of the window once', async () => {
    await ended('client-ny', { callId: 'c1', startedAt: '2026-03-11T02:30:00.000Z' });
    await ended('client-ny', { callId: 'c2', startedAt: '2026-03-11T15:00:00.000Z' });
    await ended('client-ny', { callId: 'c3', startedAt: '2026-03-11T16:00:00.000Z' });
    await settled();
    expect(enqueued.map((job) => (job.data as { date: string }).date)).toEqual(['2026-03-10', '2026-03-11']);
  });

  it('leaves the date to the call’s own job when the event does not say when the call started (an earlier replica)', async () => {
    await ended('client-ny', { callId: 'c9' });
    await ended('client-ny', { callId: 'c9', startedAt: 'not a date' });
    await settled();
    expect(enqueued.map((job) => [job.name, job.options?.jobId])).toEqual([
      [ROLLUP_CALL_JOB, 'analytics-rollup-call-c9'],
      [ROLLUP_CALL_JOB, 'analytics-rollup-call-c9'],
    ]);
  });

  it('asks nothing for a client deleted meanwhile, or for an event without a client or a call', async () => {
    await ended('client-gone', { callId: 'c1', startedAt: '2026-03-11T15:00:00.000Z' });
    await bus.publish({ type: CALL_EVENTS.ended, brandId: 'brand-1', clientId: null, payload: { callId: 'c2', startedAt: '2026-03-11T15:00:00.000Z' } });
    await ended('client-ny', { startedAt: '2026-03-11T15:00:00.000Z' });
    await settled();
    expect(enqueued).toEqual([]);
  });
});

describe('the day job', () => {
  const logger = pino({ level: 'silent' });
  const frame: ClientFrame = { timezone: 'America/New_York', currency: 'USD' };

  async function run(date: string) {
    const processors = new Map<string, (job: { data: unknown }) => Promise<unknown>>();
    const jobs = { register: (name: string, processor: (job: { data: unknown }) => Promise<unknown>) => processors.set(name, processor) } as unknown as JobQueue;
    const recomputed: string[] = [];
    const rollups = {
      frameOrNull: async () => frame,
      today: () => '2026-03-11',
      recompute: async (_ctx: unknown, day: string) => (recomputed.push(day), { date: day, calls: 3 }),
    } as unknown as CallRollups;
    const bus = new InProcessEventBus(logger);
    const told: unknown[] = [];
    bus.subscribe('analytics.summary_changed', (event) => void told.push(event.payload));
    await new RollupJobs({ db: {} as Database, jobs, events: bus, rollups, logger }).start({ processJobs: false });
    const result = await processors.get(ROLLUP_DAY_JOB)!({ data: { ctx: { brandId: 'brand-1', clientId: 'client-ny', locale: 'en' }, date } });
    await new Promise((resolve) => setImmediate(resolve));
    await bus.close();
    return { result, recomputed, told };
  }

  it('recomputes a past date and tells the dashboards', async () => {
    expect(await run('2026-03-10')).toEqual({ result: { date: '2026-03-10', calls: 3 }, recomputed: ['2026-03-10'], told: [{ dates: ['2026-03-10'] }] });
  });

  it('does not add today up again while it lasts, and still tells the dashboards its calls are written', async () => {
    expect(await run('2026-03-11')).toEqual({ result: { date: '2026-03-11', recomputed: false }, recomputed: [], told: [{ dates: ['2026-03-11'] }] });
  });
});
