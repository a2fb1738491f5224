import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type PublishedEvent } from '@tero/core';
import { Call, CallEvent, CallTurn, CallerMessage, Client } from '@tero/db';
import { JambonzSimulator, scriptedCaller } from '@tero/telephony';
import { type TestApp, createTestApp } from './create-test-app';
import { callInfo, expectValidVerbs, postHook, signatureHeader } from './jambonz-hook-requests';

jest.setTimeout(60_000);

const speech = (transcript: string, confidence = 0.92) => ({ reason: 'speechDetected', speech: { is_final: true, alternatives: [{ transcript, confidence }] } });

describe('jambonz webhooks', () => {
  let t: TestApp;
  let baseUrl: string;
  const seen: PublishedEvent[] = [];
  let bright: TestApp['lines'][number];
  let seaside: TestApp['lines'][number];

  const waiters: (() => void)[] = [];
  /** Resolves once an event matching `check` was published (events reach subscribers after the hook answered). */
  const eventSeen = (check: (event: PublishedEvent) => boolean) =>
    new Promise<void>((resolve) => {
      const probe = () => (seen.some(check) ? (resolve(), true) : false);
      if (!probe()) waiters.push(() => void probe());
    });

  beforeAll(async () => {
    t = await createTestApp();
    [bright, seaside] = t.lines;
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    t.kernel.events.subscribe('*', (event) => {
      seen.push(event);
      for (const waiter of waiters) waiter();
    });
  });
  afterAll(() => t.close());

  const em = () => t.kernel.db.forInstance('e2e assertions');
  const flush = () => t.kernel.telephony.writer.flush();
  /** The call's row once what is queued for the record is written. */
  const callOf = async (callSid: string) => {
    await flush();
    return em().findOne(Call, { callSid });
  };
  const brightClientId = async () => (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
  /** Starts a call with a signed call hook; returns its sid and the verbs. */
  async function startCall(line = bright, from = '+15557770001') {
    const info = callInfo(line, randomUUID(), from);
    const res = await postHook(t, 'call', { ...info, caller_name: 'Maria Lopez', call_status: 'trying', sip_status: 100 }, { secret: line.secret });
    expect(res.status).toBe(200);
    expectValidVerbs(res.body, { nonEmpty: true });
    return { info, callSid: info.call_sid as string, verbs: res.body as Record<string, unknown>[] };
  }

  it('plays a whole call through the simulator: disclosure, greeting, an answer, goodbye, and the call record', async () => {
    const simulator = new JambonzSimulator({ baseUrl, secret: bright.secret, accountSid: bright.accountSid });
    const call = await simulator.call({ from: '+15557770002', to: bright.number, callerName: 'Sam Caller', input: scriptedCaller(['What are your opening hours?', 'Thank you, goodbye']) });
    for (const exchange of call.exchanges) {
      expect(exchange.status).toBe(200);
      if (exchange.verbs) expectValidVerbs(exchange.verbs);
    }
    const agentLines = call.transcript.filter((line) => line.speaker === 'agent').map((line) => line.text);
    expect(agentLines[0]).toMatch(/virtual assistant of Bright Smile Dental/);
    expect(call.outcome.endedBy).toBe('agent');
    expect(call.outcome.callerTurns).toBe(2);

    await flush();
    const row = await callOf(call.callSid);
    expect(row).toMatchObject({ route: expect.any(String), status: 'completed', fromNumber: '+15557770002', callerName: 'Sam Caller', aiDisclosed: true, outcome: 'answered' });
    expect(row!.billableSeconds).toBe(call.outcome.durationSeconds);
    const turns = await em().find(CallTurn, { call: row!.id }, { orderBy: { seq: 'asc' } });
    expect(turns.filter((turn) => turn.speaker === 'caller').map((turn) => turn.text)).toEqual(['What are your opening hours?', 'Thank you, goodbye']);
    expect(turns[1]).toMatchObject({ confidence: 0.92 });
    const events = (await em().find(CallEvent, { call: row!.id })).map((event) => event.key);
    expect(events).toEqual(expect.arrayContaining(['route', 'disclosure', 'status:ringing', 'status:in-progress', 'status:completed']));
    const ofCall = (event: PublishedEvent) => (event.payload as { callSid?: string }).callSid === call.callSid;
    await eventSeen((event) => ofCall(event) && event.type === 'call.ended');
    const types = seen.filter(ofCall).map((event) => event.type);
    expect(types[0]).toBe('call.started');
    expect(types.filter((type) => type === 'call.turn')).toHaveLength(2);
    expect(types.at(-1)).toBe('call.ended');
  });

  describe('signatures', () => {
    it('refuses a missing, wrong, malformed or expired signature with 401, creating no call', async () => {
      for (const options of [{ secret: null }, { secret: 'wh_secret_not_the_right_one_1234' }, { secret: null, header: 't=abc,v1=xyz' }, { secret: bright.secret, ageSeconds: 301 }]) {
        const info = callInfo(bright);
        const res = await postHook(t, 'call', info, options);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toMatch(/^jambonz\.signature_/);
        expect(await callOf(info.call_sid as string)).toBeNull();
      }
    });

    it('refuses a replayed request: the same signed bytes twice change things once', async () => {
      const { callSid, info } = await startCall();
      const body = JSON.stringify({ ...info, ...speech('What are your hours?') });
      const header = signatureHeader(bright.secret, body);
      const send = () => postHook(t, 'turn', body, { secret: null, header });
      const first = await send();
      expect(first.status).toBe(200);
      expectValidVerbs(first.body, { nonEmpty: true });
      const again = await send();
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('jambonz.signature_replayed');
      await flush();
      const row = await callOf(callSid);
      expect(await em().count(CallTurn, { call: row!.id, speaker: 'caller' })).toBe(1);
    });

    it('accepts the previous secret during a rotation and refuses it once retired', async () => {
      const ctx = { brandId: (await em().findOneOrFail(Client, { slug: 'bright-smile' }, { populate: ['brand'] })).brand.id, clientId: null, locale: 'en' };
      const old = bright.secret;
      const { secret: fresh } = await t.kernel.telephony.accounts.rotateSecret(ctx, { accountSid: bright.accountSid });
      expect((await postHook(t, 'call', callInfo(bright), { secret: old })).status).toBe(200);
      expect((await postHook(t, 'call', callInfo(bright), { secret: fresh })).status).toBe(200);
      await t.kernel.telephony.accounts.retireOldSecrets(ctx, bright.accountSid);
      expect((await postHook(t, 'call', callInfo(bright), { secret: old })).status).toBe(401);
      expect((await postHook(t, 'call', callInfo(bright), { secret: fresh })).status).toBe(200);
      bright = { ...bright, secret: fresh };
    });
  });

  describe('bad input', () => {
    it('answers an unknown number with the default message and a hang-up, not a rejection', async () => {
      const info: Record<string, unknown> = { ...callInfo(bright), to: '+15559990000' };
      const res = await postHook(t, 'call', info, { secret: bright.secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      expect(res.body.map((verb: { verb: string }) => verb.verb)).toEqual(['say', 'hangup']);
      expect(res.body[0].text).toMatch(/not in service/);
      expect(await callOf(info.call_sid as string)).toBeNull();
    });

    it('answers a first hook missing its numbers with the default message too', async () => {
      const { to: _to, ...info } = callInfo(bright);
      const res = await postHook(t, 'call', info, { secret: bright.secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      expect(res.body.at(-1)).toEqual({ verb: 'hangup' });
    });

    it('refuses malformed JSON with 400 and missing fields with 400 naming the field', async () => {
      const { callSid, info } = await startCall();
      const malformed = await postHook(t, 'turn', '{"call_sid": "x", ', { secret: bright.secret });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('jambonz.malformed_body');
      const missing = await postHook(t, 'turn', info, { secret: bright.secret });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({ code: 'jambonz.invalid_payload', field: 'reason' });
      const status = await postHook(t, 'status', { ...info, call_status: undefined, duration: 3 }, { secret: bright.secret });
      expect(status.status).toBe(400);
      expect(status.body.error.field).toBe('call_status');
      await flush();
      expect(await em().count(CallTurn, { call: (await callOf(callSid))!.id, speaker: 'caller' })).toBe(0);
    });

    it('refuses a huge body with 413 before reading it', async () => {
      const info: Record<string, unknown> = { ...callInfo(bright), padding: 'x'.repeat(300 * 1024) };
      const res = await postHook(t, 'call', info, { secret: bright.secret });
      expect(res.status).toBe(413);
      expect(await callOf(info.call_sid as string)).toBeNull();
    });

    it('takes a gather with no speech as silence and asks again', async () => {
      const { info } = await startCall();
      const res = await postHook(t, 'turn', { ...info, reason: 'speechDetected', speech: { alternatives: [] } }, { secret: bright.secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      expect(res.body.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/turn' });
    });

    it('answers an action hook for an unknown or finished call with a hang-up, changing nothing', async () => {
      const unknown = await postHook(t, 'turn', { ...callInfo(bright), ...speech('hello') }, { secret: bright.secret });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual([{ verb: 'hangup' }]);

      const { callSid, info } = await startCall();
      expect((await postHook(t, 'status', { ...info, call_status: 'completed', duration: 12 }, { secret: bright.secret })).status).toBe(200);
      await flush();
      const before = await em().count(CallTurn, { call: (await callOf(callSid))!.id });
      for (const [kind, result] of [['turn', speech('hello?')], ['dial', { dial_call_status: 'completed' }], ['voicemail', speech('a message')]] as const) {
        const res = await postHook(t, kind, { ...info, ...result }, { secret: bright.secret });
        expect(res.status).toBe(200);
        expect(res.body).toEqual([{ verb: 'hangup' }]);
      }
      await flush();
      expect(await em().count(CallTurn, { call: (await callOf(callSid))!.id })).toBe(before);
      expect(await em().count(CallerMessage, { callSid })).toBe(0);
    });

    it('ends a call where the caller says nothing, politely, and records it as abandoned', async () => {
      const { callSid, info } = await startCall();
      let last: Record<string, unknown>[] = [];
      for (let round = 0; round < 8; round++) {
        // Each timeout is the same body: a distinct signing time (5 s apart, so a second ticking over between two requests never makes them equal) keeps it from being a replay.
        const res = await postHook(t, 'turn', { ...info, reason: 'timeout' }, { secret: bright.secret, ageSeconds: round * 5 });
        expect(res.status).toBe(200);
        expectValidVerbs(res.body, { nonEmpty: true });
        last = res.body;
        if (last.at(-1)?.verb === 'hangup') break;
      }
      expect(last.at(-1)).toEqual({ verb: 'hangup' });
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 40 }, { secret: bright.secret });
      await flush();
      expect(await callOf(callSid)).toMatchObject({ outcome: 'abandoned', billableSeconds: 40 });
    });

    it('counts a status delivered twice once', async () => {
      const { callSid, info } = await startCall();
      for (const age of [0, 10]) {
        const res = await postHook(t, 'status', { ...info, call_status: 'completed', duration: 30 }, { secret: bright.secret, ageSeconds: age });
        expect(res.status).toBe(200);
        expectValidVerbs(res.body);
      }
      await flush();
      const row = await callOf(callSid);
      expect(await em().count(CallEvent, { call: row!.id, key: 'status:completed' })).toBe(1);
      expect(row).toMatchObject({ status: 'completed', durationSeconds: 30, billableSeconds: 30 });
    });
  });

  describe('tenancy', () => {
    it('never lets one brand\'s jambonz account drive another brand\'s number or call', async () => {
      const clientId = await brightClientId();
      const before = await em().count(Call, { client: clientId });
      // Harbor's account, correctly signed, names Bright Smile's number: the default message, no call for Bright Smile.
      const foreign = { ...callInfo(seaside), to: bright.number };
      const res = await postHook(t, 'call', foreign, { secret: seaside.secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      expect(res.body.at(-1)).toEqual({ verb: 'hangup' });
      expect(await em().count(Call, { client: clientId })).toBe(before + 0);

      // Harbor's account on a live Bright Smile call: a hang-up, and the call stays untouched.
      const { callSid, info } = await startCall();
      const hijack = await postHook(t, 'turn', { ...info, account_sid: seaside.accountSid, ...speech('cancel everything') }, { secret: seaside.secret });
      expect(hijack.body).toEqual([{ verb: 'hangup' }]);
      const status = await postHook(t, 'status', { ...info, account_sid: seaside.accountSid, call_status: 'completed', duration: 5 }, { secret: seaside.secret });
      expect(status.body).toEqual([]);
      await flush();
      const row = await callOf(callSid);
      expect(row).toMatchObject({ status: 'trying', endedAt: null });
      expect(await em().count(CallTurn, { call: row!.id, speaker: 'caller' })).toBe(0);

      // Harbor's own line works, in its client's language.
      const own = await startCall(seaside);
      expect(JSON.stringify(own.verbs)).toMatch(/asistente virtual/);
    });
  });

  describe('routing', () => {
    it('forwards a suspended client\'s callers to its own phone (never dropped)', async () => {
      const clientId = await brightClientId();
      await em().nativeUpdate(Client, { id: clientId }, { status: 'suspended' });
      t.kernel.telephony.directory.invalidate();
      try {
        const { callSid, verbs } = await startCall();
        expect(verbs.map((verb) => verb.verb)).toEqual(['say', 'dial']);
        expect(verbs[1]).toMatchObject({ target: [expect.objectContaining({ type: 'phone' })] });
        expect(await callOf(callSid)).toMatchObject({ route: 'suspended' });
      } finally {
        await em().nativeUpdate(Client, { id: clientId }, { status: 'active' });
        t.kernel.telephony.directory.invalidate();
      }
    });

    it('speaks the client\'s language from its next call once the owner changes it', async () => {
      const client = await em().findOneOrFail(Client, { slug: 'bright-smile' }, { populate: ['brand'] });
      const ctx = { brandId: client.brand.id, clientId: client.id, locale: 'en' };
      expect(JSON.stringify((await startCall()).verbs)).toMatch(/virtual assistant/);
      await t.kernel.accounts.updateClient(ctx, client.id, { locale: 'fr' });
      try {
        const { callSid, verbs } = await startCall();
        expect(JSON.stringify(verbs)).toMatch(/assistant virtuel/);
        expect(await callOf(callSid)).toMatchObject({ locale: 'fr' });
      } finally {
        await t.kernel.accounts.updateClient(ctx, client.id, { locale: 'en' });
      }
    });
  });
});
