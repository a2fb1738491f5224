import 'reflect-metadata';
import { Booking, Brand, Call, CallEvent, CallTurn, CallerMessage, Client, type CallOutcome } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { type CallLog, createCallLog } from './call-log.service';
import type { CallLogQuery } from '../analytics.types';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const NOW = new Date('2026-03-20T15:00:00Z');
const METACHARACTERS = `%_'\\";--.*(`;

describe.each(kinds)('call log on %s', (kind) => {
  let t: TestDatabase;
  let log: CallLog;
  let ctxA: TenantContext;
  let ctxB: TenantContext;
  const ids: Record<string, string> = {};
  /** Calls of client A, oldest first. */
  const seeded: { id: string; startedAt: Date; duration: number | null }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const a = em.create(Client, { brand, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York' });
    const b = em.create(Client, { brand, name: 'Pipe Pros', slug: 'pipes', professionPack: 'plumber', timezone: 'UTC' });
    let n = 0;
    const call = (client: Client, startedAt: Date, options: { outcome?: CallOutcome; duration?: number | null; from?: string; turns?: string[] } = {}) => {
      const c = em.create(Call, {
        brand,
        client,
        callSid: `sid-${++n}`,
        fromNumber: options.from ?? `+1555000${String(n).padStart(4, '0')}`,
        toNumber: '+15550100100',
        route: 'open',
        startedAt,
        outcome: options.outcome ?? 'answered',
        durationSeconds: options.duration === undefined ? 30 + (n % 7) * 10 : options.duration,
      });
      (options.turns ?? ['Hello, Bright Smile dental.', 'I need a cleaning.']).forEach((text, seq) =>
        em.create(CallTurn, { brand, client, call: c, seq, speaker: seq % 2 ? 'caller' : 'agent', text, at: new Date(startedAt.getTime() + seq * 1000) }),
      );
      if (client === a) seeded.push({ id: c.id, startedAt, duration: c.durationSeconds ?? null });
      return c;
    };
    // 40 calls of A over the first days of March, two by two at the same instant (ties broken by id), some with no duration.
    for (let i = 0; i < 40; i++) call(a, new Date(Date.UTC(2026, 2, 1 + Math.floor(i / 4), 14, (i >> 1) % 2)), { duration: i % 9 === 0 ? null : undefined });
    ids.percent = call(a, new Date('2026-03-15T16:00:00Z'), { turns: ['Hi.', 'I am 100% sure it hurts.'] }).id;
    ids.underscore = call(a, new Date('2026-03-15T16:05:00Z'), { turns: ['Hi.', 'my e-mail is pat_smith at example'] }).id;
    ids.meta = call(a, new Date('2026-03-15T16:10:00Z'), { turns: ['Hi.', `weird text ${METACHARACTERS} here`] }).id;
    // 23:30 on 9 March in New York, already 10 March in UTC.
    ids.lateEvening = call(a, new Date('2026-03-10T03:30:00Z'), { outcome: 'booked', duration: 300, from: '+12125550199', turns: ['Hello.', 'Can I book a whitening tomorrow?'] }).id;
    ids.transferred = call(a, new Date('2026-03-16T12:00:00Z'), { outcome: 'transfer_failed', duration: 95, turns: ['Hello.', 'Let me talk to a person.', 'Nobody answered, shall I take a message?', 'Yes, call me back.'] }).id;
    ids.other = call(b, new Date('2026-03-15T16:00:00Z'), { turns: ['Hi.', 'I am 100% sure the pipe leaks.'] }).id;
    await em.flush();

    // The detail's extras on the transferred call: its timeline, a message it produced; a booking on the late-evening call.
    const transferred = await em.findOneOrFail(Call, { id: ids.transferred });
    const at = (s: number) => new Date(transferred.startedAt.getTime() + s * 1000);
    em.create(CallEvent, { brand, client: a, call: transferred, key: 'status:ringing', at: at(-0.002) });
    em.create(CallEvent, { brand, client: a, call: transferred, key: 'route', at: at(-0.001), data: { route: 'open' } });
    em.create(CallEvent, { brand, client: a, call: transferred, key: 'transfer', at: at(30), data: { to: '+15550109999', reason: 'human', status: 'no-answer', sipStatus: 480, warm: false } });
    em.create(CallEvent, { brand, client: a, call: transferred, key: 'followup', at: at(40), data: { choice: 'message' } });
    em.create(CallEvent, { brand, client: a, call: transferred, key: 'status:completed', at: at(95) });
    const message = em.create(CallerMessage, { brand, client: a, callSid: transferred.callSid, callbackNumber: '+15550000041', text: 'Call me back.' });
    transferred.messageId = message.id;
    const late = await em.findOneOrFail(Call, { id: ids.lateEvening });
    const booking = em.create(Booking, {
      brand,
      client: a,
      serviceId: 'whitening',
      serviceName: 'Whitening',
      valueMinor: 25000,
      startsAt: new Date('2026-03-10T14:00:00Z'),
      endsAt: new Date('2026-03-10T15:00:00Z'),
      status: 'confirmed',
      callSid: late.callSid,
      idempotencyKey: 'k-late',
    });
    late.bookingId = booking.id;
    await em.flush();

    log = createCallLog({ db: t.db, appSecret: 'x'.repeat(40), clock: () => NOW });
    ctxA = { brandId: brand.id, clientId: a.id, locale: 'en' };
    ctxB = { brandId: brand.id, clientId: b.id, locale: 'en' };
  }, 60_000);
  afterAll(() => t.drop());

  const march: CallLogQuery['range'] = { from: '2026-03-01', to: '2026-03-31' };

  /** Every page of a search, following the cursors. */
  async function walk(ctx: TenantContext, query: CallLogQuery): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = await log.search(ctx, log.parseQuery({ ...toInput(query), ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error('no last page');
  }
  const toInput = (q: CallLogQuery): Record<string, unknown> => ({
    ...(q.range ? { from: q.range.from, to: q.range.to } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
    ...(q.limit ? { limit: String(q.limit) } : {}),
    ...(q.text ? { q: q.text } : {}),
  });

  it('pages through every call once, in each order, without duplicates or gaps', async () => {
    const newest = [...seeded].sort((x, y) => y.startedAt.getTime() - x.startedAt.getTime() || (y.id > x.id ? 1 : -1)).map((c) => c.id);
    expect(await walk(ctxA, { range: march, limit: 7 })).toEqual(newest);
    expect(await walk(ctxA, { range: march, limit: 6, sort: 'oldest' })).toEqual([...newest].reverse());
    const longest = [...seeded]
      .sort((x, y) => (y.duration ?? -1) - (x.duration ?? -1) || y.startedAt.getTime() - x.startedAt.getTime() || (y.id > x.id ? 1 : -1))
      .map((c) => c.id);
    expect(await walk(ctxA, { range: march, limit: 5, sort: 'longest' })).toEqual(longest);
  });

  it("searches transcripts for SQL and regex metacharacters as plain text", async () => {
    const found = async (text: string) => (await log.search(ctxA, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', q: text }))).items.map((i) => i.id);
    expect(await found('100%')).toEqual([ids.percent]);
    expect(await found('%')).toEqual([ids.meta, ids.percent]);
    expect(await found('pat_smith')).toEqual([ids.underscore]);
    expect(await found('_')).toEqual([ids.meta, ids.underscore]);
    expect(await found(METACHARACTERS)).toEqual([ids.meta]);
    expect(await found('.*(')).toEqual([ids.meta]);
    expect(await found("'; delete from calls; --")).toEqual([]);
    expect(await found('BROKEN')).toEqual([]);
    const page = await log.search(ctxA, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', q: 'WHITENING' }));
    expect(page.items.map((i) => i.id)).toEqual([ids.lateEvening]);
    expect(page.items[0]!.snippet).toBe('Can I book a whitening tomorrow?');
    // Nothing was harmed by the attempt above.
    expect((await walk(ctxA, { range: march, limit: 100 })).length).toBe(seeded.length);
  });

  it("reads the range in the client's zone: 23:30 in New York belongs to that local day", async () => {
    const on = async (date: string) => (await log.search(ctxA, log.parseQuery({ from: date, to: date }))).items.map((i) => i.id);
    expect(await on('2026-03-09')).toContain(ids.lateEvening);
    expect(await on('2026-03-10')).not.toContain(ids.lateEvening);
  });

  it('filters by outcome, caller digits and duration', async () => {
    const search = async (input: Record<string, unknown>) => (await log.search(ctxA, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', ...input }))).items.map((i) => i.id);
    expect(await search({ outcome: 'booked,transfer_failed' })).toEqual([ids.transferred, ids.lateEvening]);
    expect(await search({ caller: '(212) 555-0199' })).toEqual([ids.lateEvening]);
    expect(await search({ minDuration: '95', maxDuration: '299' })).toEqual([ids.transferred]);
  });

  it('uses the last 30 days when no range is given', async () => {
    const page = await log.search(ctxA, log.parseQuery({ limit: '100' }));
    expect(page.range).toEqual({ from: '2026-02-19', to: '2026-03-20' });
    expect(page.items.length).toBe(seeded.length);
  });

  it("shows a call's timeline, transcript, message and transfer outcome, and its booking", async () => {
    const detail = await log.detail(ctxA, ids.transferred!);
    expect(detail.call).toMatchObject({ id: ids.transferred, outcome: 'transfer_failed', durationSeconds: 95, test: false });
    expect(detail.transcript.map((l) => l.text)).toEqual(['Hello.', 'Let me talk to a person.', 'Nobody answered, shall I take a message?', 'Yes, call me back.']);
    expect(detail.timeline.map((e) => (e.kind === 'event' ? e.key : `turn:${e.seq}`))).toEqual(['status:ringing', 'route', 'turn:0', 'turn:1', 'turn:2', 'turn:3', 'transfer', 'followup', 'status:completed']);
    expect(detail.transfer).toEqual({ to: '+15550109999', reason: 'human', dialStatus: 'no-answer', connected: false, queue: null, followUp: 'message' });
    expect(detail.message).toMatchObject({ text: 'Call me back.', callbackNumber: '+15550000041' });
    expect(detail.booking).toBeNull();
    const late = await log.detail(ctxA, ids.lateEvening!);
    expect(late.booking).toMatchObject({ serviceName: 'Whitening', valueMinor: 25000, status: 'confirmed' });
    expect(late.transfer).toBeNull();
  });

  it("answers another client's call id, a made-up id and a malformed one alike: not found", async () => {
    for (const id of [ids.transferred!, '0b0c1d2e-0000-4000-8000-00000000dead', "1' or '1'='1"]) {
      await expect(log.detail(ctxB, id)).rejects.toMatchObject({ code: 'analytics.call_not_found', options: { status: 404 } });
    }
    await expect(log.detail(ctxA, ids.other!)).rejects.toMatchObject({ code: 'analytics.call_not_found' });
    expect((await log.search(ctxB, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', q: '100%' }))).items.map((i) => i.id)).toEqual([ids.other]);
  });

  it("refuses one client's cursor in another client's log", async () => {
    const page = await log.search(ctxA, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', limit: '2' }));
    expect(page.nextCursor).toBeTruthy();
    await expect(log.search(ctxB, log.parseQuery({ from: '2026-03-01', to: '2026-03-31', cursor: page.nextCursor }))).rejects.toMatchObject({ code: 'analytics.invalid_cursor' });
  });
});
