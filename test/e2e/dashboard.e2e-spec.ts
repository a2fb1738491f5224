import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { addDays } from '@tero/core';
import { Booking, Call, CallRollup, Client } from '@tero/db';
import { type CallerInputSource, JambonzSimulator, heldCaller, scriptedCaller } from '@tero/telephony';
import { WebSocket } from 'ws';
import { createHttpApp } from '../../apps/server/src/app';
import { type Kernel, createKernel } from '../../apps/server/src/kernel';
import request from 'supertest';
import { ROOT, type TestApp, createTestApp, signIn, testBackend } from './create-test-app';
import { openLive } from './live-client';

jest.setTimeout(120_000);

/** Monday 9 March 2026, 10:15 in New York (Bright Smile's zone): the clock runs from there. */
const BASE = Date.parse('2026-03-09T14:15:00Z');
const TODAY = '2026-03-09';

describe('the client dashboard: rollups, summary and the live feed', () => {
  let t: TestApp;
  let port: number;
  let baseUrl: string;
  let ownerCookie: string;
  let harborCookie: string;
  let brightId: string;
  let harborClientId: string;
  const bright = () => t.lines[0]!;
  const seaside = () => t.lines[1]!;
  const ownerHost = () => t.logins.owner.host;
  const harborHost = () => t.logins.harborOwner.host;
  const em = () => t.kernel.db.forInstance('e2e assertions');
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    const realStart = Date.now();
    t = await createTestApp({ clock: () => new Date(BASE + (Date.now() - realStart)) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    baseUrl = `http://127.0.0.1:${port}`;
    ownerCookie = await signIn(t, t.logins.owner);
    harborCookie = await signIn(t, t.logins.harborOwner);
    brightId = (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
    harborClientId = (await em().findOneOrFail(Client, { slug: 'seaside' })).id;
  });
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.terminate();
  });
  afterAll(() => t.close());

  /** Everything the calls left behind written, and every job (rollups included) done. */
  const settle = async () => {
    await t.kernel.telephony.writer.flush();
    await t.kernel.jobs.drain();
  };
  const summaryJson = (host: string, cookie: string, query = '') => t.http(host).get(`/dashboard/summary.json${query}`).set('Cookie', cookie).set('Accept', 'application/json');
  const rollupsOf = (clientId: string) => em().find(CallRollup, { client: clientId }, { orderBy: { date: 'asc' } });
  const place = (line: { number: string; secret: string; accountSid: string }, input: CallerInputSource, from = '+15557770001') =>
    new JambonzSimulator({ baseUrl, secret: line.secret, accountSid: line.accountSid }).call({ from, to: line.number, input });
  const live = (host: string, cookie: string) => {
    const client = openLive(port, host, { protocols: ['tero-live.v1'], headers: { Cookie: cookie, Origin: `http://${host}:3000` } });
    opened.push(client.socket);
    return client;
  };

  let bookedCallSid = '';

  it('takes calls through the hooks into the rollups and the summary: a booking, a question, and another client’s call left out', async () => {
    const booked = await place(bright(), scriptedCaller(["Hi, I'd like to book a teeth cleaning for tomorrow morning.", 'My name is Maria Lopez.', 'Yes, that works. Please book it.']), '+15550101001');
    const asked = await place(bright(), scriptedCaller(['What are your opening hours?', 'Thank you, goodbye']), '+15557770002');
    await place(seaside(), scriptedCaller(['¿Cuál es su horario?', 'Gracias, adiós']), '+15557770003');
    await settle();
    bookedCallSid = booked.callSid;

    const bookedRow = await em().findOneOrFail(Call, { callSid: booked.callSid });
    const askedRow = await em().findOneOrFail(Call, { callSid: asked.callSid });
    expect([bookedRow.outcome, askedRow.outcome]).toEqual(['booked', 'answered']);
    const booking = await em().findOneOrFail(Booking, { id: bookedRow.bookingId! });
    expect(booking.valueMinor).toBeGreaterThan(0);

    // Today's rollup is not written per call (the summary adds today up from its calls); the hourly sweep writes it.
    expect(await rollupsOf(brightId)).toEqual([]);
    const brightBrand = (await em().findOneOrFail(Client, { id: brightId }, { populate: ['brand'] })).brand.id;
    await t.kernel.analytics.rollups.catchUp({ brandId: brightBrand, clientId: brightId, locale: 'en' });
    // The sweep writes yesterday (no calls) and today.
    const rows = await rollupsOf(brightId);
    expect(rows.map((r) => [r.date, r.calls])).toEqual([[addDays(TODAY, -1), 0], [TODAY, 2]]);
    expect(rows[1]).toMatchObject({ calls: 2, endedCalls: 2, wantedCalls: 2, revenueMinor: booking.valueMinor, missedRecovered: 0, outcomes: { booked: 1, answered: 1 } });
    expect(rows[1]!.perHour[10]).toBe(2);

    const res = await summaryJson(ownerHost(), ownerCookie);
    expect(res.status).toBe(200);
    const durations = [bookedRow.durationSeconds!, askedRow.durationSeconds!];
    expect(res.body.today).toMatchObject({ range: { from: TODAY, to: TODAY }, timezone: 'America/New_York', calls: 2, successRate: 1, revenueMinor: booking.valueMinor, missedCallsRecovered: 0, outcomes: { booked: 1, answered: 1 } });
    expect(res.body.today.averageDurationSeconds).toBeCloseTo((durations[0]! + durations[1]!) / 2, 1);
    expect(res.body.period.range).toEqual({ from: '2026-02-08', to: TODAY });
    expect(res.body.period.perDay).toHaveLength(30);
    expect(res.body.period.perDay.at(-1)).toEqual({ date: TODAY, calls: 2, revenueMinor: booking.valueMinor, successRate: 1 });

    const harbor = await summaryJson(harborHost(), harborCookie);
    expect(harbor.status).toBe(200);
    expect(harbor.body.today).toMatchObject({ calls: 1, revenueMinor: 0, timezone: 'America/Mexico_City' });
    const harborBrand = (await em().findOneOrFail(Client, { id: harborClientId }, { populate: ['brand'] })).brand.id;
    await t.kernel.analytics.rollups.catchUp({ brandId: harborBrand, clientId: harborClientId, locale: 'en' });
    expect((await rollupsOf(harborClientId)).map((r) => r.calls)).toEqual([0, 1]);

    // The page shows the same figures, server-rendered before any script runs.
    const page = await t.http(ownerHost()).get('/').set('Cookie', ownerCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-testid="figure-calls" data-figure="calls">2</);
    expect(page.text).toContain('data-testid="live-section"');
  });

  it('applies the same call.ended twice as once: the rollup is recomputed, never added to', async () => {
    const row = await em().findOneOrFail(Call, { callSid: bookedCallSid });
    const before = (await summaryJson(ownerHost(), ownerCookie)).body;
    const rollup = (await rollupsOf(brightId)).find((r) => r.date === TODAY);
    const brandId = (await em().findOneOrFail(Client, { id: brightId }, { populate: ['brand'] })).brand.id;
    const event = { type: 'call.ended', brandId, clientId: brightId, payload: { callSid: row.callSid, callId: row.id, status: 'completed', outcome: 'booked', durationSeconds: row.durationSeconds, billableSeconds: row.billableSeconds } };
    // Once as this version publishes it (with the call's start), once as an earlier replica would (without).
    await t.kernel.events.publish({ ...event, payload: { ...event.payload, startedAt: row.startedAt.toISOString() } });
    await t.kernel.events.publish(event);
    await settle();
    // And the day's recompute itself, run again as a retried job or the hourly sweep would.
    const ctx = { brandId, clientId: brightId, locale: 'en' };
    await t.kernel.analytics.rollups.recompute(ctx, TODAY);
    await t.kernel.analytics.jobs.requestDay(ctx, TODAY);
    await t.kernel.analytics.rollups.catchUp(ctx);
    await settle();
    const after = (await rollupsOf(brightId)).filter((r) => r.date === TODAY);
    expect(after[0]!.computedAt.getTime()).toBeGreaterThan(rollup!.computedAt.getTime());
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ calls: rollup!.calls, endedCalls: rollup!.endedCalls, wantedCalls: rollup!.wantedCalls, revenueMinor: rollup!.revenueMinor, outcomes: rollup!.outcomes, perHour: rollup!.perHour });
    expect((await summaryJson(ownerHost(), ownerCookie)).body).toEqual(before);
  });

  it('refuses a ten-year range and a date that is not one with a 400 saying why, in the reader’s language', async () => {
    const tenYears = await summaryJson(ownerHost(), ownerCookie, '?from=2016-03-09&to=2026-03-09');
    expect(tenYears.status).toBe(400);
    expect(tenYears.body.error).toMatchObject({ code: 'analytics.summary_range_too_long', message: expect.stringContaining('400') });
    const spanish = await summaryJson(ownerHost(), ownerCookie, '?from=2016-03-09&to=2026-03-09').set('Accept-Language', 'es-ES');
    expect(spanish.body.error.message).toContain('como máximo 400 días');
    const notADate = await summaryJson(ownerHost(), ownerCookie, '?from=2026-02-30&to=2026-03-09');
    expect(notADate.status).toBe(400);
    expect(notADate.body.error.code).toBe('analytics.invalid_date');
    const reversed = await summaryJson(ownerHost(), ownerCookie, '?from=2026-03-09&to=2026-03-01');
    expect(reversed.body.error.code).toBe('analytics.range_reversed');
    const week = await summaryJson(ownerHost(), ownerCookie, '?from=2026-03-03&to=2026-03-09');
    expect(week.status).toBe(200);
    expect(week.body.period.perDay.map((d: { calls: number }) => d.calls)).toEqual([0, 0, 0, 0, 0, 0, 2]);
  });

  it('keeps another client’s figures and calls out of reach', async () => {
    for (const [host, cookie] of [
      [ownerHost(), harborCookie],
      [harborHost(), ownerCookie],
    ] as const) {
      for (const path of ['/dashboard/summary.json', '/dashboard/live.json']) {
        const res = await t.http(host).get(path).set('Cookie', cookie).set('Accept', 'application/json');
        expect([401, 403]).toContain(res.status);
        expect(res.body.today).toBeUndefined();
        expect(res.body.calls).toBeUndefined();
      }
    }
    expect((await t.http(ownerHost()).get('/dashboard/summary.json').set('Accept', 'application/json')).status).toBe(401);
    // The brand's host has no dashboard of its own: its admin reads a client's on the client's host.
    const admin = await signIn(t, t.logins.brandAdmin);
    expect((await t.http(t.logins.brandAdmin.host).get('/dashboard/summary.json').set('Cookie', admin)).status).toBe(403);
  });

  it('shows a call live with its transcript to the client’s own users only, then the figures follow its end', async () => {
    const mine = live(ownerHost(), ownerCookie);
    const theirs = live(harborHost(), harborCookie);
    await Promise.all([mine.ready(), theirs.ready()]);

    const caller = heldCaller('What are your opening hours?');
    const call = place(bright(), caller.input, '+15557770004');
    const started = await mine.next((m) => m.type === 'call.started');
    const turn = await mine.next((m) => m.type === 'call.turn');
    expect(turn.payload).toMatchObject({ callId: started.payload.callId, caller: { text: 'What are your opening hours?' }, agent: { text: expect.any(String) } });

    // Mid-call, the record lists it in progress with what was said so far (the greeting included).
    await t.kernel.telephony.writer.flush();
    const inProgress = await t.http(ownerHost()).get('/dashboard/live.json').set('Cookie', ownerCookie);
    expect(inProgress.status).toBe(200);
    const listed = (inProgress.body.calls as { id: string; fromNumber: string; transcript: { speaker: string; text: string }[] }[]).find((c) => c.id === started.payload.callId);
    expect(listed).toMatchObject({ fromNumber: '+15557770004' });
    expect(listed!.transcript[0]).toMatchObject({ speaker: 'agent', text: expect.stringMatching(/Bright Smile Dental/) });
    expect(listed!.transcript.map((line) => line.text)).toContain('What are your opening hours?');
    expect((await t.http(harborHost()).get('/dashboard/live.json').set('Cookie', harborCookie)).body.calls).toEqual([]);

    caller.release();
    await call;
    await mine.next((m) => m.type === 'call.ended' && m.payload.callId === started.payload.callId);
    const changed = await mine.next((m) => m.type === 'analytics.summary_changed');
    expect(changed.payload).toEqual({ dates: [TODAY] });
    await settle();
    expect((await summaryJson(ownerHost(), ownerCookie)).body.today.calls).toBe(3);
    expect((await t.http(ownerHost()).get('/dashboard/live.json').set('Cookie', ownerCookie)).body.calls).toEqual([]);

    // Events reach a socket in order: once Seaside's socket has its fence, nothing of Bright Smile's is on its way.
    const harborBrand = (await em().findOneOrFail(Client, { id: harborClientId }, { populate: ['brand'] })).brand.id;
    await t.kernel.events.publish({ type: 'test.fence', brandId: harborBrand, clientId: harborClientId, payload: {} });
    await theirs.next((m) => m.type === 'test.fence');
    expect(theirs.messages.filter((m) => !m.type.startsWith('live.') && m.type !== 'test.fence')).toEqual([]);
  });

  const withRedis = testBackend().redis ? it : it.skip;
  withRedis('tells a dashboard on another replica, through Redis, and that replica reads the same figures', async () => {
    const replica: Kernel = await createKernel(t.kernel.config, { rootDir: ROOT, env: {}, processJobs: false, logger: t.kernel.logger, clock: () => new Date(BASE) });
    const replicaApp: NestFastifyApplication = await createHttpApp(replica);
    try {
      await replicaApp.listen(0, '127.0.0.1');
      const replicaPort = (replicaApp.getHttpServer().address() as AddressInfo).port;
      const socket = openLive(replicaPort, ownerHost(), { protocols: ['tero-live.v1'], headers: { Cookie: ownerCookie, Origin: `http://${ownerHost()}:3000` } });
      opened.push(socket.socket);
      await socket.ready();
      await place(bright(), scriptedCaller(['Thank you, goodbye']), '+15557770005');
      await socket.next((m) => m.type === 'call.ended');
      await socket.next((m) => m.type === 'analytics.summary_changed');
      await settle();
      const there = await request(replicaApp.getHttpServer()).get('/dashboard/summary.json').set('Host', ownerHost()).set('Cookie', ownerCookie);
      expect(there.status).toBe(200);
      expect(there.body.today.calls).toBe(4);
      expect(there.body.today).toEqual((await summaryJson(ownerHost(), ownerCookie)).body.today);
    } finally {
      await replicaApp.close();
      await replica.close();
    }
  });
});
