import 'reflect-metadata';
import { join } from 'node:path';
import { BookingLedger } from '@tero/booking';
import { InProcessEventBus, Keyring, type PublishedEvent, createI18n, generateEncryptionKey } from '@tero/core';
import type { AgentKnowledge, AgentReply, AgentTools, CallerInput, ConversationEngine, EngineState } from '@tero/conversation';
import { AgentProfile, Brand, Call, CallEvent, CallTurn, CallerMessage, Client, JambonzAccount, PhoneNumber } from '@tero/db';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import { jambonzSecretsAad } from './call-directory';
import { sign } from './jambonz-signature';
import type { HookKind, HookReply, HookRequest } from './jambonz-hooks.service';
import { type JambonzVerb, spokenText, verbProblem } from './jambonz-verbs';
import { type Telephony, createTelephony } from './telephony.factory';
import { TRANSFER_EVENTS, type TransferFailedPayload } from './transfers/transfer-events';
import { queueNameOf } from './transfers/transfer-state';

const ROOT = join(__dirname, '../../..');
const SECRET = 'wh_secret_service_spec_0123456789';
const NUMBER = '+15550100100';
const TRANSFER = '+15550109999';
const NOW = new Date('2026-03-09T15:00:00Z'); // Monday 11:00 in New York

/** A scripted engine: what it does depends on what the caller says. */
class ScriptedEngine implements ConversationEngine {
  readonly id = 'builtin';
  failStart = false;
  async start(): Promise<AgentReply> {
    if (this.failStart) throw new Error('no greeting today');
    return { say: 'Hello, how can I help?', action: { type: 'listen' }, intent: 'greeting', state: { turns: 0 } };
  }
  async turn(_call: unknown, _k: AgentKnowledge, state: EngineState, input: CallerInput, tools: AgentTools): Promise<AgentReply> {
    const next = { turns: Number(state.turns ?? 0) + 1 };
    const text = input.kind === 'speech' ? input.text : '';
    if (input.kind === 'silence') return { say: 'Are you still there?', action: { type: 'listen' }, state: next };
    if (text.includes('boom')) throw new Error('engine exploded');
    if (text.includes('bad verbs')) return { say: 'Transferring.', action: { type: 'transfer', to: 42 as unknown as string, reason: 'human' }, state: next };
    if (text.includes('person')) return { say: 'Putting you through.', action: { type: 'transfer', to: tools.transferTarget('human')!, reason: 'human' }, state: next };
    if (text.includes('flood')) return { say: 'That is urgent, putting you through.', action: { type: 'transfer', to: TRANSFER, reason: 'emergency' }, state: next };
    if (text.includes('message')) {
      await tools.takeMessage({ callbackNumber: '+15550001111', text: 'Please call me back' });
      return { say: 'I passed your message on. Goodbye!', action: { type: 'hangup' }, intent: 'message', state: next };
    }
    if (text.includes('hours')) return { say: 'We open at nine.', action: { type: 'listen' }, intent: 'hours', outcome: 'answered', state: next };
    return { say: `You said ${text}.`, action: { type: 'listen' }, state: next };
  }
}

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('JambonzHooks with a scripted engine, on %s', (kind) => {
  let t: TestDatabase;
  let telephony: Telephony;
  let clientId: string;
  let callCounter = 0;
  const engine = new ScriptedEngine();
  const events = new InProcessEventBus(pino({ level: 'silent' }));
  const published: PublishedEvent[] = [];
  events.subscribe('*', (event) => void published.push(event));
  /** The transfer notices published for a call, once the bus delivered what was published. */
  const noticesOf = async (sid: string) => {
    await new Promise((resolve) => setImmediate(resolve));
    return published.filter((e) => e.type === TRANSFER_EVENTS.failed && (e.payload as TransferFailedPayload).callSid === sid).map((e) => e.payload as TransferFailedPayload);
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Brand', slug: 'brand', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const client = em.create(Client, { brand, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York' });
    em.create(AgentProfile, {
      brand,
      client,
      hours: { mon: [['09:00', '17:00']], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      services: [],
      faq: [],
      transferNumber: TRANSFER,
      policies: { afterHours: 'voicemail', holiday: 'voicemail', suspended: 'message', quotaExceeded: 'message', emergency: 'transfer' },
    });
    em.create(PhoneNumber, { brand, client, number: NUMBER });
    em.create(JambonzAccount, { brand, accountSid: 'acct-1', encryptedSecrets: keyring.encryptJson([SECRET], jambonzSecretsAad('acct-1')) });
    await em.flush();
    clientId = client.id;
    telephony = createTelephony({
      config: {
        REDIS_PREFIX: 'spec',
        JAMBONZ_SIGNATURES: 'on',
        JAMBONZ_SIGNATURE_TOLERANCE_SECONDS: 300,
        STT_MIN_CONFIDENCE: 0.4,
        TTS_DEFAULT_VENDOR: 'google',
        TTS_DEFAULT_VOICES: 'en:en-US-Neural2-F',
        CALL_RECORDING_URL: undefined,
      },
      db: t.db,
      redis: null,
      keyring,
      events,
      i18n: await createI18n(join(ROOT, 'locales')),
      logger: pino({ level: 'silent' }),
      ledger: new BookingLedger(t.db),
      runtime: {
        engine: () => engine,
        knowledge: () => ({}) as AgentKnowledge,
      },
      clock: () => NOW,
    });
  });
  afterAll(async () => {
    await telephony.close();
    await t.drop();
  });

  /** A signed request; `ageSeconds` makes a distinct signature of the same body (as a redelivery would have). */
  function request(kind: HookKind, payload: Record<string, unknown>, ageSeconds = 0): HookRequest {
    const raw = Buffer.from(JSON.stringify({ account_sid: 'acct-1', from: '+15550001111', to: NUMBER, ...payload }));
    return { kind, rawBody: raw, body: JSON.parse(raw.toString()), signature: sign(SECRET, raw, Math.floor(Date.now() / 1000) - ageSeconds) };
  }
  /** A request signed over exactly `payload` (jambonz's queue wait hook carries no account and no numbers). */
  function bareRequest(kind: HookKind, payload: Record<string, unknown>, secret = SECRET): HookRequest {
    const raw = Buffer.from(JSON.stringify(payload));
    return { kind, rawBody: raw, body: JSON.parse(raw.toString()), signature: sign(secret, raw, Math.floor(Date.now() / 1000)) };
  }
  async function hook(kind: HookKind, payload: Record<string, unknown>, ageSeconds = 0): Promise<HookReply> {
    const reply = await telephony.hooks.handle(request(kind, payload, ageSeconds));
    if (reply.status === 200) expect(verbProblem(reply.body)).toBeNull();
    return reply;
  }
  const verbs = (reply: HookReply) => reply.body as JambonzVerb[];
  const speech = (transcript: string) => ({ reason: 'speechDetected', speech: { alternatives: [{ transcript, confidence: 0.9 }] } });
  const newCall = async () => {
    const sid = `call-${++callCounter}`;
    const reply = await hook('call', { call_sid: sid, caller_name: 'Maria' });
    return { sid, reply };
  };
  const callRow = async (sid: string) => {
    await telephony.writer.flush();
    return t.db.forInstance('spec').findOneOrFail(Call, { callSid: sid });
  };

  it('answers a new call with the AI disclosure and the greeting, listening with barge-in', async () => {
    const { sid, reply } = await newCall();
    expect(reply.status).toBe(200);
    expect(spokenText(verbs(reply))).toEqual(['Hello, you are speaking with Ava, the virtual assistant of Bright Smile.', 'Hello, how can I help?']);
    expect(verbs(reply).at(-1)).toMatchObject({ verb: 'gather', bargein: true, actionHook: '/hooks/jambonz/turn' });
    await telephony.writer.flush();
    expect(await callRow(sid)).toMatchObject({ route: 'open', locale: 'en', aiDisclosed: true, fromNumber: '+15550001111', callerName: 'Maria' });
  });

  it('runs turns, records both sides, and finishes the record once on completed, however often it is sent', async () => {
    const { sid } = await newCall();
    expect(spokenText(verbs(await hook('turn', { call_sid: sid, ...speech('what are your hours') })))).toEqual(['We open at nine.']);
    expect(spokenText(verbs(await hook('turn', { call_sid: sid, reason: 'timeout' })))).toEqual(['Are you still there?']);
    const completed = request('status', { call_sid: sid, call_status: 'completed', duration: 42.2 });
    expect(await telephony.hooks.handle(completed)).toEqual({ status: 200, body: [] });
    // Delivered again (signed anew): the same effect as once.
    expect(await hook('status', { call_sid: sid, call_status: 'completed', duration: 42.2 }, 10)).toEqual({ status: 200, body: [] });
    // The very same signed request again is a replay: refused, and nothing changes either.
    expect((await telephony.hooks.handle(completed)).status).toBe(401);
    await telephony.writer.flush();
    const call = await callRow(sid);
    expect(call).toMatchObject({ status: 'completed', outcome: 'answered', durationSeconds: 42, billableSeconds: 43, turnCount: 5 });
    expect(call.endedAt).toEqual(NOW);
    const turns = await t.db.forInstance('spec').find(CallTurn, { call: call.id }, { orderBy: { seq: 'asc' } });
    expect(turns.map((x) => [x.seq, x.speaker, x.text])).toEqual([
      [0, 'agent', 'Hello, how can I help?'],
      [1, 'caller', 'what are your hours'],
      [2, 'agent', 'We open at nine.'],
      [3, 'caller', ''],
      [4, 'agent', 'Are you still there?'],
    ]);
    expect(turns[1]).toMatchObject({ confidence: 0.9, intent: 'hours' });
    const events = await t.db.forInstance('spec').find(CallEvent, { call: call.id });
    expect(events.map((e) => e.key).sort()).toEqual(['disclosure', 'route', 'status:completed']);
    // A finished call's action hooks change nothing.
    expect((await hook('turn', { call_sid: sid, ...speech('hello again') })).body).toEqual([{ verb: 'hangup' }]);
    await telephony.writer.flush();
    expect(await t.db.forInstance('spec').count(CallTurn, { call: call.id })).toBe(5);
  });

  it('keeps a message the engine takes through its tools, and counts it as the outcome', async () => {
    const { sid } = await newCall();
    const reply = await hook('turn', { call_sid: sid, ...speech('leave a message please') });
    expect(verbs(reply).map((v) => v.verb)).toEqual(['say', 'hangup']);
    await hook('status', { call_sid: sid, call_status: 'completed', duration: 20 });
    await telephony.writer.flush();
    const message = await t.db.forInstance('spec').findOneOrFail(CallerMessage, { callSid: sid });
    expect(message).toMatchObject({ callbackNumber: '+15550001111', text: 'Please call me back' });
    expect(await callRow(sid)).toMatchObject({ outcome: 'message_taken', messageId: message.id });
  });

  it('follows a transfer: connected is transferred; not answered offers a message or a call back, and the message is taken', async () => {
    const first = await newCall();
    const transfer = verbs(await hook('turn', { call_sid: first.sid, ...speech('a person please') }));
    expect(transfer.at(-1)).toMatchObject({ verb: 'dial', target: [{ type: 'phone', number: TRANSFER }], actionHook: '/hooks/jambonz/dial' });
    expect(transfer.at(-1)).not.toHaveProperty('confirmHook');
    expect((await hook('dial', { call_sid: first.sid, dial_call_status: 'completed', dial_sip_status: 200 })).body).toEqual([{ verb: 'hangup' }]);
    await hook('status', { call_sid: first.sid, call_status: 'completed', duration: 90 });

    const second = await newCall();
    await hook('turn', { call_sid: second.sid, ...speech('a person please') });
    const offer = verbs(await hook('dial', { call_sid: second.sid, dial_call_status: 'no-answer', dial_sip_status: 487, duration: 31 }));
    expect(offer).toEqual([expect.objectContaining({ verb: 'gather', input: ['speech', 'digits'], actionHook: '/hooks/jambonz/transfer-followup' })]);
    expect(spokenText(offer)).toEqual([
      "I'm sorry, no one at Bright Smile could pick up. Would you like to leave a message, or should we call you back? You can also press 1 for a message, or 2 for a call back.",
    ]);
    // The dial hook delivered again (signed anew): the same answer, recorded once.
    expect((await hook('dial', { call_sid: second.sid, dial_call_status: 'no-answer', dial_sip_status: 487, duration: 31 }, 7)).body).toEqual(offer);
    const prompt = verbs(await hook('followup', { call_sid: second.sid, ...speech('I will leave a message') }));
    expect(prompt.at(-1)).toMatchObject({ verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/voicemail' });
    const saved = verbs(await hook('voicemail', { call_sid: second.sid, ...speech('This is Maria, call me back on 555 0101') }));
    expect(spokenText(saved)).toEqual(['Thank you, your message has been passed on. Goodbye.']);
    // The voicemail hook again: the same goodbye, no second message.
    expect(spokenText(verbs(await hook('voicemail', { call_sid: second.sid, ...speech('This is Maria, call me back on 555 0101') }, 4)))).toEqual(['Thank you, your message has been passed on. Goodbye.']);
    await hook('status', { call_sid: second.sid, call_status: 'completed', duration: 60 });
    await telephony.writer.flush();

    expect(await callRow(first.sid)).toMatchObject({ outcome: 'transferred', transferTo: TRANSFER });
    const message = await t.db.forInstance('spec').findOneOrFail(CallerMessage, { callSid: second.sid });
    expect(message).toMatchObject({ text: 'This is Maria, call me back on 555 0101', callbackNumber: '+15550001111', urgent: false });
    expect(await callRow(second.sid)).toMatchObject({ outcome: 'message_taken', transferTo: TRANSFER, messageId: message.id });
    const timeline = await t.db.forInstance('spec').find(CallEvent, { call: (await callRow(second.sid)).id });
    expect(timeline.find((e) => e.key === 'transfer')?.data).toMatchObject({ to: TRANSFER, status: 'no-answer', sipStatus: 487, duration: 31, reason: 'human', warm: false });
    expect(timeline.map((e) => e.key)).toEqual(expect.arrayContaining(['followup', 'owner_notified']));
    const notices = await noticesOf(second.sid);
    expect(notices).toEqual([
      expect.objectContaining({ followUp: 'message', message: 'This is Maria, call me back on 555 0101', messageId: message.id, status: 'no-answer', sipStatus: 487, to: TRANSFER, callerNumber: '+15550001111', callerName: 'Maria', urgent: false }),
    ]);
    expect(await noticesOf(first.sid)).toEqual([]);
  });

  it('takes a busy transfer\'s call-back request as a message with the caller\'s number, urgent for an emergency', async () => {
    const { sid } = await newCall();
    await hook('turn', { call_sid: sid, ...speech('there is a flood in my kitchen') });
    await hook('dial', { call_sid: sid, dial_call_status: 'busy', dial_sip_status: 486 });
    const bye = verbs(await hook('followup', { call_sid: sid, reason: 'dtmfDetected', digits: '2' }));
    expect(spokenText(bye)).toEqual(['Thank you. The team will call you back on the number you are calling from, ending in 1111. Goodbye.']);
    expect(bye.at(-1)).toEqual({ verb: 'hangup' });
    // A late repeat of the answer changes nothing.
    expect((await hook('followup', { call_sid: sid, reason: 'dtmfDetected', digits: '2' }, 3)).body).toEqual([{ verb: 'hangup' }]);
    await hook('status', { call_sid: sid, call_status: 'completed', duration: 45 });
    const message = await t.db.forInstance('spec').findOneOrFail(CallerMessage, { callSid: sid });
    expect(message).toMatchObject({ callbackNumber: '+15550001111', urgent: true });
    expect(message.text).toBe(`Call-back request: the caller asked to be called back after a transfer to ${TRANSFER} was not answered.`);
    expect(await callRow(sid)).toMatchObject({ outcome: 'message_taken', messageId: message.id });
    expect(await noticesOf(sid)).toEqual([expect.objectContaining({ followUp: 'callback', status: 'busy', reason: 'emergency', urgent: true, messageId: message.id })]);
  });

  it('asks once more when the answer is unclear, then says goodbye; the owner still hears of the caller', async () => {
    const { sid } = await newCall();
    await hook('turn', { call_sid: sid, ...speech('a person please') });
    await hook('dial', { call_sid: sid, dial_call_status: 'failed', dial_sip_status: 503 });
    const again = verbs(await hook('followup', { call_sid: sid, ...speech('hmm what') }));
    expect(again.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/transfer-followup' });
    expect(spokenText(again)[0]).toMatch(/^Sorry, I didn't catch that/);
    const bye = verbs(await hook('followup', { call_sid: sid, reason: 'timeout' }));
    expect(bye.at(-1)).toEqual({ verb: 'hangup' });
    await hook('status', { call_sid: sid, call_status: 'completed', duration: 50 });
    expect(await t.db.forInstance('spec').count(CallerMessage, { callSid: sid })).toBe(0);
    expect(await callRow(sid)).toMatchObject({ outcome: 'transfer_failed' });
    expect(await noticesOf(sid)).toEqual([expect.objectContaining({ followUp: 'none', status: 'failed', message: null })]);
  });

  it('tells the owner when the caller hangs up before choosing', async () => {
    const { sid } = await newCall();
    await hook('turn', { call_sid: sid, ...speech('a person please') });
    await hook('dial', { call_sid: sid, dial_call_status: 'no-answer', dial_sip_status: 487 });
    await hook('status', { call_sid: sid, call_status: 'completed', duration: 35 });
    await hook('status', { call_sid: sid, call_status: 'completed', duration: 35 }, 5);
    expect(await noticesOf(sid)).toEqual([expect.objectContaining({ followUp: 'none', status: 'no-answer' })]);
    expect(await callRow(sid)).toMatchObject({ outcome: 'transfer_failed' });
  });

  describe('with warm transfer, a queue and staff phones', () => {
    const STAFF = '+15550107777';
    const MUSIC = 'https://cdn.example/hold.mp3';
    beforeAll(async () => {
      await t.db.forInstance('spec').nativeUpdate(AgentProfile, { client: clientId }, {
        warmTransfer: true,
        queue: { enabled: true, holdMusicUrl: MUSIC, maxWaitSeconds: 90, announceEverySeconds: 30 },
        staffNumbers: [STAFF],
      });
      telephony.directory.invalidate();
    });
    afterAll(async () => {
      await t.db.forInstance('spec').nativeUpdate(AgentProfile, { client: clientId }, { warmTransfer: null, queue: null, staffNumbers: null });
      telephony.directory.invalidate();
    });

    it('whispers a summary of the call to the human before bridging', async () => {
      const { sid } = await newCall();
      await hook('turn', { call_sid: sid, ...speech('my tooth hurts since yesterday') });
      const dial = verbs(await hook('turn', { call_sid: sid, ...speech('can I talk to a person') }));
      expect(dial.at(-1)).toMatchObject({ verb: 'dial', confirmHook: '/hooks/jambonz/whisper' });
      // jambonz calls the confirmHook for the human's leg: its own sid, the caller's as parent_call_sid.
      const whisper = verbs(await hook('whisper', { call_sid: 'leg-b-1', parent_call_sid: sid, direction: 'outbound', to: TRANSFER }));
      expect(whisper.map((v) => v.verb)).toEqual(['say']);
      expect(spokenText(whisper)[0]).toBe(
        'Maria is calling Bright Smile, from 1, 5 5 5, 0 0 0, 1 1 1 1. They said: my tooth hurts since yesterday. can I talk to a person. Connecting you now.',
      );
      // An unknown parent: nothing said, and jambonz bridges at once.
      expect((await hook('whisper', { call_sid: 'leg-b-2', parent_call_sid: 'no-such-call' })).body).toEqual([]);
      await hook('dial', { call_sid: sid, dial_call_status: 'completed', dial_sip_status: 200 });
      await telephony.writer.flush();
      const keys = (await t.db.forInstance('spec').find(CallEvent, { call: (await callRow(sid)).id })).map((e) => e.key);
      expect(keys).toEqual(expect.arrayContaining(['whisper', 'transfer']));
    });

    it('queues a caller nobody took, announces the position, plays hold music, and records the bridge', async () => {
      const { sid } = await newCall();
      await hook('turn', { call_sid: sid, ...speech('a person please') });
      const enqueue = verbs(await hook('dial', { call_sid: sid, dial_call_status: 'busy', dial_sip_status: 486 }));
      expect(enqueue.at(-1)).toEqual({ verb: 'enqueue', name: queueNameOf(clientId), actionHook: '/hooks/jambonz/queue', waitHook: '/hooks/jambonz/queue-wait' });
      // The wait hook names only the call and the queue's figures, signed with the account's secret.
      const wait = (queueTime: number, position = 0) =>
        telephony.hooks.handle(bareRequest('queueWait', { call_sid: sid, call_id: `${sid}@sip`, queue_sid: `queue:acct-1:${queueNameOf(clientId)}`, queue_time: queueTime, queue_size: 2, queue_position: position }));
      const first = await wait(0, 1);
      expect(first.status).toBe(200);
      expect(verbProblem(first.body)).toBeNull();
      // The round lasts until the next announcement: 30 s less the announcement (about 4 s) and jambonz's half second before the next round.
      expect(first.body).toEqual([expect.objectContaining({ verb: 'say', text: 'You are number 2 in line. Thank you for holding.' }), { verb: 'play', url: MUSIC, loop: 'forever', timeoutSecs: 25 }]);
      expect((await wait(12)).body).toEqual([{ verb: 'play', url: MUSIC, loop: 'forever', timeoutSecs: 17 }]);
      expect(spokenText((await wait(31)).body as JambonzVerb[])).toEqual(['You are number 1 in line. Thank you for holding.']);
      expect((await telephony.hooks.handle(bareRequest('queueWait', { call_sid: sid, queue_time: 40 }, 'not-the-secret'))).status).toBe(401);
      // jambonz tells the bridge once the conversation is over: its queue_time (200) counts the talk too.
      expect((await hook('queue', { call_sid: sid, queue_result: 'bridged', queue_time: 200 })).body).toEqual([{ verb: 'hangup' }]);
      await hook('status', { call_sid: sid, call_status: 'completed', duration: 200 });
      const call = await callRow(sid);
      expect(call).toMatchObject({ outcome: 'transferred' });
      const timeline = await t.db.forInstance('spec').find(CallEvent, { call: call.id });
      expect(timeline.map((e) => e.key)).toEqual(expect.arrayContaining(['transfer', 'queue:entered', 'queue:bridged']));
      // The bridge came during the last round heard (from 31 s, 29.5 s long): the wait is its middle, the rest was talk.
      expect(timeline.find((e) => e.key === 'queue:bridged')?.data).toMatchObject({ queueTime: 46, talkSeconds: 154 });
      expect(await noticesOf(sid)).toEqual([]);
      expect(published.some((e) => e.type === TRANSFER_EVENTS.queued && (e.payload as { callSid: string }).callSid === sid)).toBe(true);
    });

    it('takes the caller out after the maximum wait and offers a message or a call back', async () => {
      const { sid } = await newCall();
      await hook('turn', { call_sid: sid, ...speech('a person please') });
      await hook('dial', { call_sid: sid, dial_call_status: 'no-answer', dial_sip_status: 487 });
      const leave = await telephony.hooks.handle(bareRequest('queueWait', { call_sid: sid, queue_time: 90, queue_position: 0 }));
      expect(leave.body).toEqual([{ verb: 'leave' }]);
      const offer = verbs(await hook('queue', { call_sid: sid, queue_result: 'leave', queue_time: 91 }));
      expect(spokenText(offer)[0]).toMatch(/^I'm sorry, no one at Bright Smile is free to take your call yet/);
      expect((await hook('queue', { call_sid: sid, queue_result: 'leave', queue_time: 91 }, 2)).body).toEqual(offer);
      await hook('followup', { call_sid: sid, ...speech('please call me back') });
      await hook('status', { call_sid: sid, call_status: 'completed', duration: 130 });
      expect(await callRow(sid)).toMatchObject({ outcome: 'message_taken' });
      expect(await noticesOf(sid)).toEqual([expect.objectContaining({ followUp: 'callback', status: 'no-answer', queueSeconds: 91 })]);
    });

    it('does not queue an emergency: it goes straight to the follow-up', async () => {
      const { sid } = await newCall();
      await hook('turn', { call_sid: sid, ...speech('a flood everywhere') });
      const offer = verbs(await hook('dial', { call_sid: sid, dial_call_status: 'no-answer', dial_sip_status: 487 }));
      expect(offer.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/transfer-followup' });
    });

    it('answers a staff phone with the queue\'s next caller, and says so when nobody waits; its minutes are not billed', async () => {
      const sid = `call-${++callCounter}`;
      const reply = verbs(await hook('call', { call_sid: sid, from: STAFF }));
      expect(reply).toEqual([
        expect.objectContaining({ verb: 'say', text: 'Connecting you to the next caller in line.' }),
        expect.objectContaining({ verb: 'dequeue', name: queueNameOf(clientId), actionHook: '/hooks/jambonz/dequeue' }),
      ]);
      const bye = verbs(await hook('dequeue', { call_sid: sid, from: STAFF, dequeue_result: 'timeout' }));
      expect(spokenText(bye)).toEqual(['No one is waiting in line right now. Goodbye.']);
      await hook('status', { call_sid: sid, from: STAFF, call_status: 'completed', duration: 9 });
      const call = await callRow(sid);
      expect(call).toMatchObject({ outcome: 'answered', billableSeconds: 0, aiDisclosed: false });
      expect((await t.db.forInstance('spec').find(CallEvent, { call: call.id })).map((e) => e.key)).toContain('dequeue:timeout');
    });
  });

  it('answers an engine failure with an apology and a transfer, logged, never an error status', async () => {
    const { sid } = await newCall();
    const reply = await hook('turn', { call_sid: sid, ...speech('boom') });
    expect(reply.status).toBe(200);
    expect(spokenText(verbs(reply))[0]).toMatch(/something went wrong/);
    expect(verbs(reply).at(-1)).toMatchObject({ verb: 'dial', target: [{ type: 'phone', number: TRANSFER }] });
    await telephony.writer.flush();
    const call = await callRow(sid);
    expect((await t.db.forInstance('spec').find(CallEvent, { call: call.id })).map((e) => e.key)).toContain('fallback');
  });

  it('answers verbs our own builders refuse with the same fallback', async () => {
    const { sid } = await newCall();
    const reply = await hook('turn', { call_sid: sid, ...speech('bad verbs') });
    expect(reply.status).toBe(200);
    expect(verbs(reply).at(-1)).toMatchObject({ verb: 'dial', target: [{ type: 'phone', number: TRANSFER }] });
  });

  it('still answers the first hook when the agent cannot start, and records the call', async () => {
    engine.failStart = true;
    try {
      const { sid, reply } = await newCall();
      expect(reply.status).toBe(200);
      expect(spokenText(verbs(reply)).join(' ')).toMatch(/something went wrong/);
      expect(await callRow(sid)).toMatchObject({ route: 'open' });
      // jambonz repeating the first hook gets the same answer, and no second call record.
      expect((await hook('call', { call_sid: sid, caller_name: 'Maria' }, 3)).body).toEqual(reply.body);
      expect(await t.db.forInstance('spec').count(Call, { callSid: sid })).toBe(1);
    } finally {
      engine.failStart = false;
    }
  });

  it('routes after-hours calls by the client\'s policy (voicemail here) in its time zone', async () => {
    const em = t.db.forInstance('spec');
    await em.nativeUpdate(AgentProfile, { client: clientId }, { hours: { mon: [['13:00', '17:00']] } });
    telephony.directory.invalidate();
    try {
      const { sid, reply } = await newCall();
      expect(spokenText(verbs(reply))[0]).toMatch(/We are closed right now/);
      expect(verbs(reply).at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/voicemail' });
      expect(await callRow(sid)).toMatchObject({ route: 'after_hours' });
      // A voicemail with nothing said keeps nothing.
      expect(spokenText(verbs(await hook('voicemail', { call_sid: sid, reason: 'timeout' })))).toEqual([
        'We did not hear a message. Please call again whenever you like. Goodbye.',
      ]);
      expect(await em.count(CallerMessage, { callSid: sid })).toBe(0);
    } finally {
      await em.nativeUpdate(AgentProfile, { client: clientId }, { hours: { mon: [['09:00', '17:00']] } });
      telephony.directory.invalidate();
    }
  });

  it('refuses bad action-hook payloads with the field at fault, changing nothing', async () => {
    const { sid } = await newCall();
    const missing = await hook('turn', { call_sid: sid });
    expect(missing).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'jambonz.invalid_payload', field: 'reason' }) } });
    expect(await hook('status', { call_sid: sid, duration: 3 })).toMatchObject({ status: 400, body: { error: { field: 'call_status' } } });
    expect(await hook('dial', { call_sid: sid, dial_call_status: 7 })).toMatchObject({ status: 400, body: { error: { field: 'dial_call_status' } } });
    const raw = Buffer.from('{"call_sid": "x"');
    expect(await telephony.hooks.handle({ kind: 'turn', rawBody: raw, body: undefined, signature: sign(SECRET, raw, Math.floor(Date.now() / 1000)) })).toMatchObject({
      status: 400,
      body: { error: { code: 'jambonz.malformed_body' } },
    });
    await telephony.writer.flush();
    expect(await t.db.forInstance('spec').count(CallTurn, { call: (await callRow(sid)).id })).toBe(1);
  });
});
