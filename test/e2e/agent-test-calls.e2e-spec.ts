import type { AddressInfo } from 'node:net';
import { type DemoLogin } from '@tero/accounts';
import { parseLocal } from '@tero/core';
import { claimsBooking } from '@tero/conversation';
import { AgentProfile, Booking, Brand, Call, CallEvent, CallerMessage, Client } from '@tero/db';
import { JambonzSimulator, type JambonzSimulatorOptions, TEST_CALL_ENV_VAR, TestCallMarker, type TestCallView, formatTranscript, queueNameOf, scriptedCaller } from '@tero/telephony';
import request from 'supertest';
import { type TestApp, bearer, createTestApp, testBackend } from './create-test-app';

jest.setTimeout(120_000);

const TIMEZONE = 'America/New_York';
const PATH = '/api/v1/agent/test-calls';
/** The caller id test calls come from when none is given. */
const TEST_CALLER = '+15550100111';

/**
 * "Talk to your agent" on the real app: a business's owner types to their own agent through the API,
 * which plays the call through our jambonz hooks with the simulator (signed, every answer validated);
 * the call is recorded like any call and bills nothing.
 */
describe(`talk to your agent: /api/v1/agent/test-calls (${testBackend().db})`, () => {
  let t: TestApp;
  let now = parseLocal('2026-03-09T10:15', TIMEZONE); // a Monday morning: Bright Smile is open
  let owner: DemoLogin;
  let ownerAuth: string;
  let staff: DemoLogin;
  let staffAuth: string;
  let otherStaff: DemoLogin;
  let otherStaffAuth: string;
  let harborAuth: string;
  let adminAuth: string;
  let brightId: string;

  beforeAll(async () => {
    t = await createTestApp({ clock: () => new Date(now) });
    owner = t.logins.owner;
    const em = t.kernel.db.forInstance('e2e set-up');
    const demo = await em.findOneOrFail(Brand, { slug: 'demo' });
    brightId = (await em.findOneOrFail(Client, { slug: 'bright-smile' })).id;
    // A second business of the same brand, and a staff member with a password at each business.
    const brandCtx = { brandId: demo.id, clientId: null, locale: 'en' };
    const neighbour = await t.kernel.accounts.createClient(brandCtx, { name: 'Neighbour Dental', slug: 'neighbour', professionPack: 'dentist', timezone: TIMEZONE });
    const password = 'staff-password-0123';
    await t.kernel.accounts.createUser({ ...brandCtx, clientId: brightId }, { email: 'desk@bright.test', name: 'Desk', role: 'client_staff', password });
    await t.kernel.accounts.createUser({ ...brandCtx, clientId: neighbour.id }, { email: 'desk@neighbour.test', name: 'Other Desk', role: 'client_staff', password });
    staff = { ...owner, role: 'client staff', email: 'desk@bright.test', password };
    otherStaff = { ...owner, role: 'client staff', email: 'desk@neighbour.test', password, host: owner.host.replace(/^bright-smile\./, 'neighbour.') };
    [ownerAuth, staffAuth, otherStaffAuth, harborAuth, adminAuth] = await Promise.all([
      bearer(t, owner),
      bearer(t, staff),
      bearer(t, otherStaff),
      bearer(t, t.logins.harborOwner),
      bearer(t, t.logins.brandAdmin),
    ]);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const api = (login: DemoLogin, auth: string) => {
    const server = t.app.getHttpServer();
    const with_ = <T extends { set(k: string, v: string): T }>(r: T) => r.set('Host', login.host).set('Authorization', auth);
    return {
      start: (body: object = {}) => with_(request(server).post(PATH)).send(body),
      get: (id: string) => with_(request(server).get(`${PATH}/${id}`)),
      turn: (id: string, body: unknown, lang?: string) => with_(request(server).post(`${PATH}/${id}/turns${lang ? `?lang=${lang}` : ''}`)).send(body as object),
      hangUp: (id: string) => with_(request(server).delete(`${PATH}/${id}`)),
    };
  };
  const em = () => t.kernel.db.forInstance('e2e assertions');
  /** Our hooks over the network, for the simulator on its own. */
  const hooksUrl = async () => {
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  };
  const agentLines = (view: TestCallView) => view.transcript.filter((line) => line.speaker === 'agent').map((line) => line.text);

  it('lets the owner book by typing, shows the booking reply, and records the call without billing it', async () => {
    const me = api(owner, ownerAuth);
    const started = await me.start();
    expect(started.status).toBe(201);
    const call = started.body as TestCallView;
    expect(call).toMatchObject({ id: expect.any(String), ended: false, awaiting: { mode: 'gather' } });
    expect(agentLines(call).join(' ')).toMatch(/Bright Smile Dental/);

    let view = call;
    for (const text of ["Hi, I'd like to book a teeth cleaning for tomorrow morning.", 'My name is Maria Lopez.', 'Yes, that works. Please book it.']) {
      const res = await me.turn(call.id, { text });
      expect(res.status).toBe(200);
      view = res.body as TestCallView;
      expect(view.transcript.filter((line) => line.speaker === 'caller').at(-1)).toEqual({ speaker: 'caller', text, kind: 'speech' });
    }
    const reply = view.transcript.slice(view.transcript.findLastIndex((line) => line.speaker === 'caller') + 1);
    expect(reply.some((line) => line.speaker === 'agent' && claimsBooking(line.text, 'en'))).toBe(true);
    expect((await me.get(call.id)).body).toEqual(view);

    const ended = await me.hangUp(call.id);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ ended: true, endedBy: expect.any(String), callSid: expect.any(String), error: null });
    expect((await me.get(call.id)).status).toBe(404);

    await t.kernel.telephony.writer.flush();
    const record = await em().findOneOrFail(Call, { callSid: ended.body.callSid });
    expect(record).toMatchObject({ fromNumber: TEST_CALLER, toNumber: t.lines[0]!.number, status: 'completed', outcome: 'booked', billableSeconds: 0 });
    expect(refId(record.client)).toBe(brightId);
    const events = (await em().find(CallEvent, { call: record.id })).map((event) => event.key);
    expect(events).toEqual(expect.arrayContaining(['test_call', 'status:completed']));
    const booking = await em().findOneOrFail(Booking, { id: record.bookingId! });
    expect(booking).toMatchObject({ status: 'confirmed', serviceId: 'cleaning', callSid: record.callSid });
  });

  it('bills a marked call nothing while the same call unmarked, or with a forged marker, is billed its seconds', async () => {
    // The hooks on their own, driven by the simulator over the network with a clock that runs 20 s per turn.
    const line = t.lines[0]!;
    const baseUrl = await hooksUrl();
    const marker = new TestCallMarker(t.kernel.keyring);
    const from = '+15557770123';
    const billed = async (envVars?: Record<string, string>) => {
      let simNow = Date.now();
      const simulator = new JambonzSimulator({ baseUrl, secret: line.secret, accountSid: line.accountSid, clock: () => simNow });
      const script = scriptedCaller(['What are your opening hours?', 'Thank you, goodbye']);
      const call = await simulator.call({ from, to: line.number, envVars, input: (context) => ((simNow += 20_000), script(context)) });
      await t.kernel.telephony.writer.flush();
      const record = await em().findOneOrFail(Call, { callSid: call.callSid });
      expect(record.durationSeconds).toBeGreaterThanOrEqual(40);
      return record.billableSeconds;
    };
    expect(await billed({ [TEST_CALL_ENV_VAR]: marker.seal({ from, to: line.number }) })).toBe(0);
    expect(await billed()).toBeGreaterThanOrEqual(40);
    expect(await billed({ [TEST_CALL_ENV_VAR]: '1' })).toBeGreaterThanOrEqual(40);
    expect(await billed({ [TEST_CALL_ENV_VAR]: marker.seal({ from, to: t.lines[1]!.number }) })).toBeGreaterThanOrEqual(40);
  });

  it('plays transfers through the real hooks: a queue left after the maximum wait then a message, a queue bridged, a whispered warm transfer, a staff phone\'s dequeue', async () => {
    const line = t.lines[0]!;
    const baseUrl = await hooksUrl();
    const simulator = (options: Partial<JambonzSimulatorOptions> = {}) => new JambonzSimulator({ baseUrl, secret: line.secret, accountSid: line.accountSid, ...options });
    const queue = queueNameOf(brightId);
    const staffPhone = '+15550107777';
    const wantsAPerson = 'Can I speak to a person please?';
    await em().nativeUpdate(AgentProfile, { client: brightId }, { queue: { enabled: true, maxWaitSeconds: 60, announceEverySeconds: 20 }, staffNumbers: [staffPhone], warmTransfer: true });
    t.kernel.telephony.directory.invalidate();
    try {
      const left = await simulator({ dial: () => 'no-answer' }).call({
        from: '+15557770201',
        to: line.number,
        input: scriptedCaller([wantsAPerson, '[press 1]', 'Maria Lopez here, please move my cleaning to next week']),
      });
      for (const exchange of left.exchanges) expect(exchange.status).toBe(200);
      expect(left.outcome).toMatchObject({ endedBy: 'agent', transfers: [{ status: 'no-answer' }], queues: [{ name: queue, result: 'leave' }] });
      // The rounds count the announcements and jambonz's gaps, so the caller leaves at the maximum, not seconds after it.
      expect(left.outcome.queues[0]!.waitedSeconds).toBeGreaterThanOrEqual(59);
      expect(left.outcome.queues[0]!.waitedSeconds).toBeLessThanOrEqual(61);
      const transcript = formatTranscript(left);
      expect(transcript).toMatch(/You are number 1 in line/);
      expect(transcript).toContain(`· the caller left queue ${queue} after`);
      await t.kernel.telephony.writer.flush();
      const record = await em().findOneOrFail(Call, { callSid: left.callSid });
      expect(record).toMatchObject({ outcome: 'message_taken', status: 'completed' });
      expect(await em().findOneOrFail(CallerMessage, { callSid: left.callSid })).toMatchObject({ text: 'Maria Lopez here, please move my cleaning to next week' });
      expect((await em().find(CallEvent, { call: record.id })).map((event) => event.key)).toEqual(expect.arrayContaining(['queue:entered', 'queue:max_wait', 'queue:leave', 'followup']));

      const bridged = await simulator({ dial: () => 'busy', queue: { result: 'bridged', afterSeconds: 25, ahead: 1, staff: staffPhone } }).call({
        from: '+15557770202',
        to: line.number,
        input: scriptedCaller([wantsAPerson]),
      });
      expect(bridged.outcome.queues).toEqual([{ name: queue, result: 'bridged', waitedSeconds: 25 }]);
      await t.kernel.telephony.writer.flush();
      const taken = await em().findOneOrFail(Call, { callSid: bridged.callSid });
      expect(taken.outcome).toBe('transferred');
      expect((await em().find(CallEvent, { call: taken.id })).map((event) => event.key)).toContain('queue:bridged');

      const warm = await simulator().call({ from: '+15557770203', to: line.number, callerName: 'Sam Caller', input: scriptedCaller([wantsAPerson]) });
      expect(warm.outcome.transfers).toEqual([{ to: expect.any(String), status: 'completed', whisper: expect.stringMatching(/^Sam Caller is calling Bright Smile Dental.*Connecting you now\.$/) }]);
      expect(warm.transcript.filter((entry) => entry.kind === 'whisper')).toHaveLength(1);

      const staff = await simulator().call({ from: staffPhone, to: line.number, input: scriptedCaller([]) });
      expect(staff.outcome.dequeues).toEqual([{ name: queue, result: 'timeout' }]);
      expect(staff.transcript.filter((entry) => entry.speaker === 'agent').map((entry) => entry.text)).toEqual(['Connecting you to the next caller in line.', 'No one is waiting in line right now. Goodbye.']);

      // The owner chooses the outcomes of a typed test call: the transfer busy, then a staff member takes the caller from the queue.
      const me = api(owner, ownerAuth);
      const refused = await me.start({ routing: { transfer: 'maybe', queue: 'max-wait', queueSeconds: 10 } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields.map((p: { field: string }) => p.field)).toEqual(expect.arrayContaining(['routing.transfer']));
      const chosen = await me.start({ routing: { transfer: 'busy', queue: 'answered', queueSeconds: 30 } });
      expect(chosen.status).toBe(201);
      const put = (await me.turn(chosen.body.id, { text: wantsAPerson })).body as TestCallView;
      expect(put.ended).toBe(true);
      expect(put.transcript.map((line) => line.text).join('\n')).toMatch(/transfer to .*: busy/);
      await t.kernel.telephony.writer.flush();
      const typed = await em().findOneOrFail(Call, { callSid: put.callSid! });
      expect(typed.outcome).toBe('transferred');
      const bridgedEvent = (await em().find(CallEvent, { call: typed.id })).find((event) => event.key === 'queue:bridged');
      expect(bridgedEvent?.data).toMatchObject({ queue });
    } finally {
      await em().nativeUpdate(AgentProfile, { client: brightId }, { queue: null, staffNumbers: null, warmTransfer: null });
      t.kernel.telephony.directory.invalidate();
    }
  });

  it('lets the business\'s staff talk to its agent; another business\'s staff and another brand\'s owner get 404, a brand admin 403', async () => {
    const started = await api(staff, staffAuth).start();
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    for (const [login, auth] of [[otherStaff, otherStaffAuth], [t.logins.harborOwner, harborAuth]] as const) {
      const other = api(login, auth);
      for (const res of [await other.get(id), await other.turn(id, { text: 'hello' }), await other.hangUp(id)]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
    const admin = api({ ...owner, host: owner.host }, adminAuth);
    expect((await admin.start()).status).toBe(403);
    expect((await admin.get(id)).status).toBe(403);
    const noToken = await request(t.app.getHttpServer()).post(PATH).set('Host', owner.host).send({});
    expect(noToken.status).toBe(401);
    // Untouched by all of that: the owner's staff carries on.
    const reply = await api(staff, staffAuth).turn(id, { text: 'What are your opening hours?' });
    expect(reply.status).toBe(200);
    expect(reply.body.transcript.filter((line: { speaker: string }) => line.speaker === 'caller')).toHaveLength(1);
    expect((await api(staff, staffAuth).hangUp(id)).status).toBe(200);
  });

  it('answers 400 naming the field for bad input and changes nothing; a turn after the agent hung up is a translated 409', async () => {
    const me = api(owner, ownerAuth);
    for (const [body, field] of [[{ number: 'call me' }, 'number'], [{ number: t.lines[1]!.number }, 'number'], [{ from: '12' }, 'from'], [{ to: '+15550100100' }, 'to']] as const) {
      const res = await me.start(body);
      expect(res.status).toBe(400);
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const started = await me.start({ from: '+15557770999' });
    const id = started.body.id as string;
    for (const [body, field] of [[{}, 'text'], [{ text: '' }, 'text'], [{ digits: '1x' }, 'digits'], [{ silence: 'yes' }, 'silence'], [{ text: 'hi', silence: true }, 'silence']] as const) {
      const res = await me.turn(id, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation.failed' });
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const unchanged = (await me.get(id)).body as TestCallView;
    expect(unchanged.transcript.filter((line) => line.speaker === 'caller')).toHaveLength(0);

    const silence = await me.turn(id, { silence: true });
    expect(silence.body.transcript.at(-2)).toEqual({ speaker: 'caller', text: '…', kind: 'silence' });
    const bye = await me.turn(id, { text: 'Thank you, goodbye' });
    expect(bye.body).toMatchObject({ ended: true, endedBy: 'agent', awaiting: null });
    const late = await me.turn(id, { text: 'one more thing' }, 'fr');
    expect(late.status).toBe(409);
    expect(late.body.error).toEqual({ code: 'test_call.ended', message: 'Cet appel de test est terminé. Commencez-en un nouveau.' });
  });

  it('keeps at most three live test calls per business', async () => {
    const me = api(owner, ownerAuth);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await me.start();
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const refused = await me.start();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('test_call.limit');
    expect((await me.hangUp(ids[0]!)).status).toBe(200);
    const again = await me.start();
    expect(again.status).toBe(201);
    for (const id of [...ids.slice(1), again.body.id as string]) expect((await me.hangUp(id)).status).toBe(200);
  });
});

function refId(ref: unknown): string {
  return typeof ref === 'string' ? ref : (ref as { id: string }).id;
}
