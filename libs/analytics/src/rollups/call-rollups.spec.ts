import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type EventBus, InProcessEventBus, type JobQueue } from '@tero/core';
import { AgentProfile, Booking, Brand, Call, type CallOutcome, type CallRoute, CallEvent, CallRollup, CallTurn, Client } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { CALL_EVENTS } from '@tero/telephony';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { createAnalytics } from '../summary/analytics';
import { TodayCache } from '../summary/today-cache';
import { CallRollups } from './call-rollups';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const PARIS = 'Europe/Paris';
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used here')) });

let sequence = 0;
async function seedClient(t: TestDatabase, timezone = PARIS): Promise<TenantContext> {
  const em = t.db.forInstance('rollup spec seed');
  const n = ++sequence;
  const brand = em.create(Brand, { name: `Brand ${n}`, slug: `rollup-brand-${n}`, supportEmail: 's@b.test', senderEmail: 'n@b.test', currency: 'EUR' });
  const client = em.create(Client, { brand, name: `Dental ${n}`, slug: `rollup-dental-${n}`, professionPack: 'dentist', timezone });
  em.create(AgentProfile, {
    brand,
    client,
    hours: {},
    services: [{ id: 'cleaning', name: { en: 'Cleaning' }, durationMinutes: 60, bufferMinutes: 0, priceMinor: 12000, bookable: true }],
    faq: [],
    policies: { afterHours: 'ai', holiday: 'ai', suspended: 'voicemail', quotaExceeded: 'voicemail', emergency: 'transfer' },
  });
  await em.flush();
  return { brandId: brand.id, clientId: client.id, locale: 'en' };
}

interface CallSpec {
  at: string;
  outcome?: CallOutcome | null;
  route?: CallRoute;
  duration?: number | null;
  /** A booking of this value (0: the service's price is used) made by the call. */
  booking?: number;
  test?: boolean;
  turns?: string[];
}

async function addCall(t: TestDatabase, ctx: TenantContext, spec: CallSpec): Promise<Call> {
  const em = t.db.forTenant(ctx);
  const callSid = randomUUID();
  const startedAt = new Date(spec.at);
  const outcome = spec.outcome === undefined ? 'answered' : spec.outcome;
  let bookingId: string | null = null;
  if (spec.booking !== undefined) {
    const booking = em.create(Booking, {
      brand: ctx.brandId,
      client: ctx.clientId!,
      serviceId: 'cleaning',
      serviceName: 'Cleaning',
      valueMinor: spec.booking,
      currency: 'EUR',
      startsAt: new Date(startedAt.getTime() + 86_400_000),
      endsAt: new Date(startedAt.getTime() + 90_000_000),
      status: 'confirmed',
      callSid,
      idempotencyKey: `call:${callSid}:cleaning`,
    });
    bookingId = booking.id;
  }
  const call = em.create(Call, {
    brand: ctx.brandId,
    client: ctx.clientId!,
    callSid,
    fromNumber: '+33600000001',
    toNumber: '+33100000000',
    route: spec.route ?? 'open',
    outcome,
    startedAt,
    endedAt: outcome === null ? null : new Date(startedAt.getTime() + 60_000),
    durationSeconds: spec.duration === undefined ? 60 : spec.duration,
    bookingId,
    status: outcome === null ? 'in-progress' : 'completed',
  });
  if (spec.test) em.create(CallEvent, { brand: ctx.brandId, client: ctx.clientId!, call, key: 'test_call', at: startedAt });
  (spec.turns ?? []).forEach((text, seq) => em.create(CallTurn, { brand: ctx.brandId, client: ctx.clientId!, call, seq, speaker: seq % 2 ? 'caller' : 'agent', text, at: new Date(startedAt.getTime() + seq * 1000) }));
  await em.flush();
  return call;
}

describe.each(kinds)('call rollups and the summary on %s', (kind) => {
  let t: TestDatabase;
  let now = new Date('2026-03-10T15:00:00Z');
  const clock = () => new Date(now);
  let rollups: CallRollups;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    rollups = new CallRollups(t.db, clock);
  });
  afterAll(() => t.drop());
  beforeEach(() => {
    now = new Date('2026-03-10T15:00:00Z');
  });

  const stored = (ctx: TenantContext) => t.db.forTenant(ctx).find(CallRollup, {}, { orderBy: { date: 'asc' } });

  it('recomputes a local date from its calls: revenue from the booking or the service’s price, test calls and other dates left out', async () => {
    const ctx = await seedClient(t);
    await addCall(t, ctx, { at: '2026-03-09T23:30:00Z', outcome: 'booked', booking: 5000, duration: 100 }); // 00:30 on the 10th in Paris
    await addCall(t, ctx, { at: '2026-03-10T08:00:00Z', outcome: 'booked', booking: 0, duration: 200 }); // the service's 120.00
    await addCall(t, ctx, { at: '2026-03-10T19:00:00Z', outcome: 'message_taken', route: 'after_hours', duration: 30 });
    await addCall(t, ctx, { at: '2026-03-10T12:00:00Z', outcome: 'abandoned', duration: 5 });
    await addCall(t, ctx, { at: '2026-03-10T12:10:00Z', outcome: 'booked', booking: 9900, test: true });
    await addCall(t, ctx, { at: '2026-03-10T23:30:00Z', outcome: 'answered' }); // the 11th in Paris
    const other = await seedClient(t);
    await addCall(t, other, { at: '2026-03-10T10:00:00Z', outcome: 'booked', booking: 7000 });

    const figures = await rollups.recompute(ctx, '2026-03-10');
    expect(figures).toMatchObject({ calls: 4, endedCalls: 4, wantedCalls: 3, durationSeconds: 335, durationCount: 4, revenueMinor: 17000, missedRecovered: 1 });
    expect(figures.outcomes).toEqual({ booked: 2, message_taken: 1, abandoned: 1 });
    expect(figures.perHour[0]).toBe(1);
    expect(figures.perHour[9]).toBe(1);
    expect(figures.perHour[20]).toBe(1);
    const rows = await stored(ctx);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ date: '2026-03-10', calls: 4, revenueMinor: 17000, perHour: figures.perHour, outcomes: figures.outcomes });
  });

  it('is idempotent: recomputing again replaces the row with the same figures, and counts a new call once', async () => {
    const ctx = await seedClient(t);
    await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: 'booked', booking: 4000 });
    await rollups.recompute(ctx, '2026-03-10');
    await rollups.recompute(ctx, '2026-03-10');
    expect((await stored(ctx)).map((r) => [r.calls, r.revenueMinor])).toEqual([[1, 4000]]);
    await addCall(t, ctx, { at: '2026-03-10T10:00:00Z', outcome: 'spam' });
    await rollups.recompute(ctx, '2026-03-10');
    await rollups.recompute(ctx, '2026-03-10');
    expect((await stored(ctx)).map((r) => [r.calls, r.endedCalls, r.wantedCalls, r.revenueMinor])).toEqual([[2, 2, 1, 4000]]);
  });

  it('does not let a recompute that read earlier overwrite a newer one', async () => {
    const ctx = await seedClient(t);
    await addCall(t, ctx, { at: '2026-03-10T09:00:00Z' });
    await rollups.recompute(ctx, '2026-03-10');
    const future = new Date(Date.now() + 3_600_000);
    await t.db.forTenant(ctx).nativeUpdate(CallRollup, { date: '2026-03-10' }, { computedAt: future, calls: 42 });
    await rollups.recompute(ctx, '2026-03-10');
    expect((await stored(ctx)).map((r) => r.calls)).toEqual([42]);
  });

  it('catches up: yesterday and today, and every day from the first call to the first rollup', async () => {
    const ctx = await seedClient(t);
    await addCall(t, ctx, { at: '2026-03-05T09:00:00Z' });
    await addCall(t, ctx, { at: '2026-03-07T09:00:00Z', outcome: 'booked', booking: 1000 });
    await rollups.recompute(ctx, '2026-03-08');
    const dates = await rollups.catchUp(ctx);
    expect(dates).toEqual(['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-09', '2026-03-10']);
    expect((await stored(ctx)).map((r) => `${r.date}:${r.calls}`)).toEqual(['2026-03-05:1', '2026-03-06:0', '2026-03-07:1', '2026-03-08:0', '2026-03-09:0', '2026-03-10:0']);
  });

  it('dates an ended call by its local start, and waits for the end of one still in progress', async () => {
    const ctx = await seedClient(t);
    const ended = await addCall(t, ctx, { at: '2026-03-09T23:30:00Z' });
    const going = await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: null });
    const frame = await rollups.frame(ctx);
    expect(await rollups.dateOfEndedCall(ctx, ended.id, frame)).toBe('2026-03-10');
    expect(await rollups.dateOfEndedCall(ctx, going.id, frame)).toBeNull();
    expect(await rollups.dateOfEndedCall(await seedClient(t), ended.id, frame)).toBeNull();
  });

  it('catches up nothing for a client deleted while its job waited', async () => {
    const ctx = await seedClient(t);
    await t.db.forInstance('rollup spec cleanup').nativeDelete(Client, { id: ctx.clientId! });
    expect(await rollups.catchUp(ctx)).toEqual([]);
  });

  describe('the summary', () => {
    const analytics = () => createAnalytics({ db: t.db, jobs: unused as JobQueue, events: unused as EventBus, logger: pino({ level: 'silent' }), clock });

    it('adds rolled-up days to today’s calls as they are now, and leaves another client’s out', async () => {
      const ctx = await seedClient(t);
      await addCall(t, ctx, { at: '2026-03-08T10:00:00Z', outcome: 'booked', booking: 3000, duration: 100 });
      await addCall(t, ctx, { at: '2026-03-09T10:00:00Z', outcome: 'abandoned', duration: 20 });
      await rollups.recompute(ctx, '2026-03-08');
      await rollups.recompute(ctx, '2026-03-09');
      // Today (the 10th in Paris): not rolled up, counted from the calls.
      await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: 'message_taken', route: 'holiday', duration: 60 });
      await addCall(t, ctx, { at: '2026-03-10T14:55:00Z', outcome: null, duration: null });
      const other = await seedClient(t);
      await addCall(t, other, { at: '2026-03-10T09:00:00Z', outcome: 'booked', booking: 99_000 });

      const summary = await analytics().summary(ctx, { from: '2026-03-08', to: '2026-03-11' });
      expect(summary).toMatchObject({ calls: 4, revenueMinor: 3000, missedCallsRecovered: 1, averageDurationSeconds: 60, timezone: PARIS, currency: 'EUR' });
      expect(summary.successRate).toBeCloseTo(2 / 3);
      expect(summary.perDay.map((d) => [d.date, d.calls])).toEqual([['2026-03-08', 1], ['2026-03-09', 1], ['2026-03-10', 2], ['2026-03-11', 0]]);
      expect(summary.perHour[10]).toBe(1); // 09:00Z is 10:00 in Paris
      expect(summary.perHour[15]).toBe(1);
    });

    it('reads a stale rollup of today as nothing: today always comes from the calls', async () => {
      const ctx = await seedClient(t);
      await rollups.recompute(ctx, '2026-03-10');
      await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: 'booked', booking: 2500 });
      const summary = await analytics().summary(ctx, { from: '2026-03-10', to: '2026-03-10' });
      expect([summary.calls, summary.revenueMinor]).toEqual([1, 2500]);
    });

    it('adds up again a past day whose rollup was computed during that day, and yesterday without any', async () => {
      const ctx = await seedClient(t);
      await addCall(t, ctx, { at: '2026-03-08T10:00:00Z', outcome: 'booked', booking: 3000 });
      await rollups.recompute(ctx, '2026-03-08');
      // The hourly sweep's row of the 8th, written at noon: calls of its afternoon came after it.
      await t.db.forInstance('rollup spec').nativeUpdate(CallRollup, { client: ctx.clientId!, date: '2026-03-08' }, { computedAt: new Date('2026-03-08T11:00:00Z') });
      await addCall(t, ctx, { at: '2026-03-08T16:00:00Z', outcome: 'answered' });
      // The 9th (yesterday) has calls and no rollup yet.
      await addCall(t, ctx, { at: '2026-03-09T10:00:00Z', outcome: 'message_taken' });
      const summary = await analytics().summary(ctx, { from: '2026-03-08', to: '2026-03-09' });
      expect(summary.perDay.map((d) => [d.date, d.calls])).toEqual([['2026-03-08', 2], ['2026-03-09', 1]]);
      // A final rollup is taken as it is: written after its day, it is not added up again.
      await rollups.recompute(ctx, '2026-03-08');
      await t.db.forInstance('rollup spec').nativeUpdate(CallRollup, { client: ctx.clientId!, date: '2026-03-08' }, { calls: 7 });
      expect((await analytics().summary(ctx, { from: '2026-03-08', to: '2026-03-08' })).calls).toBe(7);
    });

    it('gives several summaries from one read, the same as one by one', async () => {
      const ctx = await seedClient(t);
      await addCall(t, ctx, { at: '2026-03-02T10:00:00Z', outcome: 'booked', booking: 1500 });
      await rollups.recompute(ctx, '2026-03-02');
      await addCall(t, ctx, { at: '2026-03-10T10:00:00Z', outcome: 'answered' });
      const service = analytics();
      const [today, month] = await service.summaries(ctx, (date) => [{ from: date, to: date }, { from: '2026-02-09', to: date }]);
      expect(today).toEqual(await service.summary(ctx, { from: '2026-03-10', to: '2026-03-10' }));
      expect(month).toEqual(await service.summary(ctx, { from: '2026-02-09', to: '2026-03-10' }));
      expect([today!.calls, month!.calls, month!.revenueMinor]).toEqual([1, 2, 1500]);
    });

    it('keeps today between the events that change it: a call ended is counted at once', async () => {
      const ctx = await seedClient(t);
      const bus = new InProcessEventBus(pino({ level: 'silent' }));
      const todayCache = new TodayCache();
      const off = todayCache.listen(bus);
      try {
        const service = createAnalytics({ db: t.db, jobs: unused as JobQueue, events: bus, logger: pino({ level: 'silent' }), clock, todayCache });
        const today = { from: '2026-03-10', to: '2026-03-10' };
        await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: 'answered' });
        expect((await service.summary(ctx, today)).calls).toBe(1);
        // Written without an event (as no call is): the kept figures stand.
        const ended = await addCall(t, ctx, { at: '2026-03-10T10:00:00Z', outcome: 'booked', booking: 2500 });
        expect((await service.summary(ctx, today)).calls).toBe(1);
        const delivered = new Promise<void>((resolve) => bus.subscribe(CALL_EVENTS.ended, () => resolve()));
        await bus.publish({ type: CALL_EVENTS.ended, brandId: ctx.brandId, clientId: ctx.clientId, payload: { callId: ended.id } });
        await delivered;
        expect(await service.summary(ctx, today)).toMatchObject({ calls: 2, revenueMinor: 2500 });
      } finally {
        off();
        await bus.close();
      }
    });

    it('refuses ten years', async () => {
      const ctx = await seedClient(t);
      await expect(analytics().summary(ctx, { from: '2016-03-10', to: '2026-03-10' })).rejects.toMatchObject({ code: 'analytics.summary_range_too_long' });
    });

    it('lists calls in progress with their transcript so far, and none of another client’s', async () => {
      const ctx = await seedClient(t);
      const live = await addCall(t, ctx, { at: '2026-03-10T14:58:00Z', outcome: null, turns: ['Hello, Bright Smile', 'I need a cleaning'] });
      await addCall(t, ctx, { at: '2026-03-10T14:50:00Z', outcome: 'answered' });
      await addCall(t, ctx, { at: '2026-03-10T09:00:00Z', outcome: null }); // six hours without an end: lost, not live
      const other = await seedClient(t);
      await addCall(t, other, { at: '2026-03-10T14:59:00Z', outcome: null, turns: ['Not yours'] });
      const calls = await analytics().liveCalls(ctx);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ id: live.id, callSid: live.callSid, fromNumber: '+33600000001', test: false, startedAt: '2026-03-10T14:58:00.000Z' });
      expect(calls[0]!.transcript.map((turn) => [turn.seq, turn.speaker, turn.text])).toEqual([
        [0, 'agent', 'Hello, Bright Smile'],
        [1, 'caller', 'I need a cleaning'],
      ]);
    });
  });
});
