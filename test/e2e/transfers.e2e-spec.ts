import { randomUUID } from 'node:crypto';
import type { PublishedEvent } from '@tero/core';
import { AgentProfile, Call, CallEvent, CallerMessage, Client } from '@tero/db';
import { TRANSFER_EVENTS, TRANSFER_NOTICE_JOB, queueNameOf, transferNoticeJobId } from '@tero/telephony';
import { type TestApp, createTestApp } from './create-test-app';
import { callInfo, expectValidVerbs, postHook, queueWaitBody, speechResult } from './jambonz-hook-requests';

jest.setTimeout(90_000);

type Verb = { verb: string } & Record<string, unknown>;
const OWNER = 'owner@bright-smile.example';
const TRANSFER_NUMBER = '+15550100199';
const STAFF = '+15550107777';
const MUSIC = 'https://cdn.example.test/hold.mp3';

describe('transfers, the follow-up and call queues', () => {
  let t: TestApp;
  let bright: TestApp['lines'][number];
  let clientId: string;
  const seen: PublishedEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    bright = t.lines[0]!;
    clientId = (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
    t.kernel.events.subscribe('*', (event) => void seen.push(event));
  });
  afterAll(() => t.close());

  const em = () => t.kernel.db.forInstance('e2e assertions');
  const flush = () => t.kernel.telephony.writer.flush();
  const callOf = async (callSid: string) => {
    await flush();
    return em().findOneOrFail(Call, { callSid });
  };
  const timelineOf = async (callSid: string) => em().find(CallEvent, { call: (await callOf(callSid)).id });

  /** Changes Bright Smile's agent for the calls of `run` (the directory forgets its cached profile both ways). */
  async function withProfile(change: Partial<Pick<AgentProfile, 'warmTransfer' | 'queue' | 'staffNumbers'>>, run: () => Promise<void>) {
    await em().nativeUpdate(AgentProfile, { client: clientId }, change);
    t.kernel.telephony.directory.invalidate();
    try {
      await run();
    } finally {
      await em().nativeUpdate(AgentProfile, { client: clientId }, { warmTransfer: null, queue: null, staffNumbers: null });
      t.kernel.telephony.directory.invalidate();
    }
  }

  /** POSTs a signed hook; a 200 must be verbs jambonz accepts. */
  async function hook(path: string, body: Record<string, unknown>, ageSeconds = 0) {
    const res = await postHook(t, path, body, { secret: bright.secret, ageSeconds });
    expect(res.status).toBe(200);
    expectValidVerbs(res.body);
    return res.body as Verb[];
  }
  const said = (verbs: Verb[]) =>
    verbs.flatMap((v) => (v.verb === 'say' ? [String(v.text)] : v.verb === 'gather' && v.say ? [String((v.say as { text: string }).text)] : []));

  /** A call to Bright Smile that reaches the agent, then asks for a person: returns the call and the dial verb. */
  async function callAndAskForAPerson(first?: string, from = '+15557770001') {
    const info = callInfo(bright, randomUUID(), from);
    const opening = await hook('call', { ...info, caller_name: 'Maria Lopez', call_status: 'trying', sip_status: 100 });
    expect(opening.length).toBeGreaterThan(0);
    if (first) await hook('turn', { ...info, ...speechResult(first) });
    const transfer = await hook('turn', { ...info, ...speechResult('Can I speak to a person please?') });
    const dial = transfer.at(-1)!;
    expect(dial).toMatchObject({ verb: 'dial', target: [{ type: 'phone', number: TRANSFER_NUMBER }], actionHook: '/hooks/jambonz/dial' });
    return { info, callSid: info.call_sid as string, dial };
  }

  /** Polls `check` until it holds (the bus and the job queue work after the hook answered); fails the test if it never does. */
  async function until(what: string, check: () => Promise<boolean>) {
    for (let i = 0; i < 500; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`never happened: ${what}`);
  }

  /**
   * The owner's e-mails about the caller `from`, once the call's notice job has run and its e-mail reached
   * the outbox. (Draining the whole queue would also wait out billing's delayed quota checks.)
   */
  async function ownerMailsAbout(callSid: string, from: string) {
    const isNotice = (e: PublishedEvent) => e.type === TRANSFER_EVENTS.failed && (e.payload as { callSid?: string }).callSid === callSid;
    await until('the notice was published', async () => seen.some(isNotice));
    await until('the notice job ran', async () => (await t.kernel.jobs.get(TRANSFER_NOTICE_JOB, transferNoticeJobId(callSid)))?.state === 'completed');
    const mails = async () => (await t.kernel.outbox.list({ limit: 500 })).filter((mail) => mail.to.includes(OWNER) && mail.text.includes(`(${from})`));
    await until('the e-mail reached the outbox', async () => (await mails()).length > 0);
    return mails();
  }
  const notices = (callSid: string) => seen.filter((e) => e.type === TRANSFER_EVENTS.failed && (e.payload as { callSid?: string }).callSid === callSid);

  it('a transfer that gets no-answer ends with a message taken and the owner notified by e-mail, once, however often the hooks come', async () => {
    const { info, callSid, dial } = await callAndAskForAPerson();
    expect(dial).not.toHaveProperty('confirmHook');
    const result = { ...info, dial_call_status: 'no-answer', dial_sip_status: 487, dial_call_sid: randomUUID(), duration: 28 };
    const offer = await hook('dial', result);
    expect(offer.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/transfer-followup' });
    expect(said(offer)[0]).toMatch(/no one at Bright Smile Dental could pick up\. Would you like to leave a message, or should we call you back\?/);
    // jambonz delivers the dial result again (signed anew): the same answer.
    expect(await hook('dial', result, 6)).toEqual(offer);

    const prompt = await hook('transfer-followup', { ...info, ...speechResult("I'd like to leave a message") });
    expect(prompt.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/voicemail' });
    const words = 'This is Maria Lopez, my crown came loose, please call me back this afternoon';
    const bye = await hook('voicemail', { ...info, ...speechResult(words) });
    expect(said(bye)).toEqual(['Thank you, your message has been passed on. Goodbye.']);
    expect(bye.at(-1)).toEqual({ verb: 'hangup' });
    await hook('dial', result, 12);
    for (const age of [0, 9]) await postHook(t, 'status', { ...info, call_status: 'completed', duration: 95 }, { secret: bright.secret, ageSeconds: age });

    const call = await callOf(callSid);
    const messages = await em().find(CallerMessage, { callSid });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ text: words, callbackNumber: '+15557770001', callerName: 'Maria Lopez' });
    expect(call).toMatchObject({ outcome: 'message_taken', transferTo: TRANSFER_NUMBER, messageId: messages[0]!.id, status: 'completed' });
    const transfer = (await timelineOf(callSid)).find((e) => e.key === 'transfer');
    expect(transfer?.data).toMatchObject({ to: TRANSFER_NUMBER, status: 'no-answer', sipStatus: 487, duration: 28 });

    const mails = await ownerMailsAbout(callSid, '+15557770001');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Missed transfer: Maria Lopez (+15557770001) could not reach Bright Smile Dental');
    expect(mails[0]!.text).toContain(`The call was put through to ${TRANSFER_NUMBER}, but no one answered.`);
    expect(mails[0]!.text).toContain(`They left this message:\n“${words}”`);
    expect(notices(callSid)).toHaveLength(1);
  });

  it('a busy transfer takes a call-back request with the caller\'s number, and the owner is told', async () => {
    const { info, callSid } = await callAndAskForAPerson(undefined, '+15557770002');
    await hook('dial', { ...info, dial_call_status: 'busy', dial_sip_status: 486 });
    const bye = await hook('transfer-followup', { ...info, ...speechResult('Just call me back please') });
    expect(said(bye)).toEqual(['Thank you. The team will call you back on the number you are calling from, ending in 0002. Goodbye.']);
    await postHook(t, 'status', { ...info, call_status: 'completed', duration: 40 }, { secret: bright.secret });
    const message = await em().findOneOrFail(CallerMessage, { callSid });
    expect(message.callbackNumber).toBe('+15557770002');
    expect(message.text).toMatch(/^Call-back request: /);
    expect(await callOf(callSid)).toMatchObject({ outcome: 'message_taken', messageId: message.id });
    const mails = await ownerMailsAbout(callSid, '+15557770002');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('but the line was busy.');
    expect(mails[0]!.text).toContain('They asked to be called back on +15557770002.');
  });

  it('a warm transfer whispers the call\'s summary to the human before bridging', async () => {
    await withProfile({ warmTransfer: true }, async () => {
      const { info, callSid, dial } = await callAndAskForAPerson('I have a question about my invoice');
      expect(dial).toMatchObject({ confirmHook: '/hooks/jambonz/whisper' });
      // The human's leg: its own call sid, the caller's as parent_call_sid, as jambonz's dial:confirm request sends it.
      const leg = { call_sid: randomUUID(), parent_call_sid: callSid, direction: 'outbound', from: info.from, to: TRANSFER_NUMBER, account_sid: bright.accountSid, call_status: 'in-progress' };
      const whisper = await hook('whisper', leg);
      expect(whisper.map((v) => v.verb)).toEqual(['say']);
      expect(said(whisper)[0]).toBe(
        'Maria Lopez is calling Bright Smile Dental, from 1, 5 5 5, 7 7 7, 0 0 0 1. They said: I have a question about my invoice. Can I speak to a person please? Connecting you now.',
      );
      expect(await hook('dial', { ...info, dial_call_status: 'completed', dial_sip_status: 200 })).toEqual([{ verb: 'hangup' }]);
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 120 }, { secret: bright.secret });
      expect(await callOf(callSid)).toMatchObject({ outcome: 'transferred' });
      expect((await timelineOf(callSid)).map((e) => e.key)).toEqual(expect.arrayContaining(['whisper', 'transfer']));
    });
  });

  it('queues a caller the humans could not take: position announcements, hold music, and the bridge recorded', async () => {
    await withProfile({ queue: { enabled: true, holdMusicUrl: MUSIC, maxWaitSeconds: 120, announceEverySeconds: 30 } }, async () => {
      const { info, callSid } = await callAndAskForAPerson();
      const enqueue = await hook('dial', { ...info, dial_call_status: 'busy', dial_sip_status: 486 });
      const queue = queueNameOf(clientId);
      expect(enqueue.at(-1)).toEqual({ verb: 'enqueue', name: queue, actionHook: '/hooks/jambonz/queue', waitHook: '/hooks/jambonz/queue-wait' });
      expect(said(enqueue)[0]).toMatch(/busy right now\. Please hold/);

      const first = await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 0, 2, 3));
      // Each round ends when the next announcement is due, less the announcement's speech and jambonz's half second between rounds.
      expect(first).toEqual([expect.objectContaining({ verb: 'say', text: 'You are number 3 in line. Thank you for holding.' }), { verb: 'play', url: MUSIC, loop: 'forever', timeoutSecs: 25 }]);
      expect(await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 10, 1, 2))).toEqual([{ verb: 'play', url: MUSIC, loop: 'forever', timeoutSecs: 19 }]);
      expect(said(await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 31, 0, 1)))).toEqual(['You are number 1 in line. Thank you for holding.']);

      expect(await hook('queue', { ...info, queue_sid: `queue:${bright.accountSid}:${queue}`, queue_result: 'bridged', queue_time: 230 })).toEqual([{ verb: 'hangup' }]);
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 300 }, { secret: bright.secret });
      expect(await callOf(callSid)).toMatchObject({ outcome: 'transferred' });
      const timeline = await timelineOf(callSid);
      expect(timeline.map((e) => e.key)).toEqual(expect.arrayContaining(['transfer', 'queue:entered', 'queue:bridged']));
      // jambonz's 230 s count the conversation: the wait stored is until the bridge, in the last round heard (from 31 s, 29.5 s long).
      expect(timeline.find((e) => e.key === 'queue:bridged')?.data).toMatchObject({ queue, queueTime: 46, talkSeconds: 184 });
      expect(notices(callSid)).toHaveLength(0);
    });
  });

  it('takes a queued caller out after the maximum wait and offers a message, which is taken and e-mailed', async () => {
    await withProfile({ queue: { enabled: true, maxWaitSeconds: 60, announceEverySeconds: 20 } }, async () => {
      const { info, callSid } = await callAndAskForAPerson(undefined, '+15557770003');
      await hook('dial', { ...info, dial_call_status: 'no-answer', dial_sip_status: 487 });
      const queue = queueNameOf(clientId);
      // Without hold music the wait is silence between announcements.
      expect((await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 0))).at(-1)).toEqual({ verb: 'pause', length: 15 });
      expect(await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 60))).toEqual([{ verb: 'leave' }]);
      const offer = await hook('queue', { ...info, queue_result: 'leave', queue_time: 61 });
      expect(said(offer)[0]).toMatch(/no one at Bright Smile Dental is free to take your call yet/);
      await hook('transfer-followup', { ...info, reason: 'dtmfDetected', digits: '1' });
      await hook('voicemail', { ...info, ...speechResult('Maria Lopez here, I need to move my cleaning to next week') });
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 110 }, { secret: bright.secret });
      expect(await callOf(callSid)).toMatchObject({ outcome: 'message_taken' });
      const mails = await ownerMailsAbout(callSid, '+15557770003');
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain('The caller then waited in the queue for 1 min 1 s, and no one was free to take the call.');
      expect(mails[0]!.text).toContain('I need to move my cleaning to next week');
      expect((await timelineOf(callSid)).map((e) => e.key)).toEqual(expect.arrayContaining(['queue:max_wait', 'queue:leave', 'followup', 'owner_notified']));
    });
  });

  it('answers a staff phone with the next caller from the queue, and says so when nobody waits', async () => {
    await withProfile({ queue: { enabled: true, maxWaitSeconds: 60, announceEverySeconds: 20 }, staffNumbers: [STAFF] }, async () => {
      const info = callInfo(bright, randomUUID(), STAFF);
      const answer = await hook('call', { ...info, call_status: 'trying' });
      expect(answer).toEqual([
        expect.objectContaining({ verb: 'say', text: 'Connecting you to the next caller in line.' }),
        expect.objectContaining({ verb: 'dequeue', name: queueNameOf(clientId), actionHook: '/hooks/jambonz/dequeue', timeout: expect.any(Number) }),
      ]);
      const empty = await hook('dequeue', { ...info, dequeue_result: 'timeout' });
      expect(said(empty)).toEqual(['No one is waiting in line right now. Goodbye.']);
      expect(empty.at(-1)).toEqual({ verb: 'hangup' });
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 8 }, { secret: bright.secret });
      expect(await callOf(info.call_sid as string)).toMatchObject({ outcome: 'answered', billableSeconds: 0 });
      expect((await timelineOf(info.call_sid as string)).map((e) => e.key)).toContain('dequeue:timeout');

      // Another number is an ordinary caller: the agent answers.
      const caller = await hook('call', { ...callInfo(bright, randomUUID(), '+15557770009'), call_status: 'trying' });
      expect(caller.at(-1)).toMatchObject({ verb: 'gather', actionHook: '/hooks/jambonz/turn' });
    });
  });

  it('refuses unsigned and forged requests to every new hook with 401, changing nothing', async () => {
    await withProfile({ queue: { enabled: true, maxWaitSeconds: 60, announceEverySeconds: 20 } }, async () => {
      const { info, callSid } = await callAndAskForAPerson();
      await hook('dial', { ...info, dial_call_status: 'busy', dial_sip_status: 486 });
      const queue = queueNameOf(clientId);
      const attempts: [string, Record<string, unknown>][] = [
        ['transfer-followup', { ...info, reason: 'dtmfDetected', digits: '2' }],
        ['whisper', { call_sid: randomUUID(), parent_call_sid: callSid, account_sid: bright.accountSid }],
        ['queue', { ...info, queue_result: 'bridged', queue_time: 5 }],
        ['queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 500)],
        ['dequeue', { ...info, dequeue_result: 'complete' }],
      ];
      for (const [path, body] of attempts) {
        for (const options of [{ secret: null }, { secret: 'wh_forged_secret_0123456789abcdef' }]) {
          const res = await postHook(t, path, body, options);
          expect(res.status).toBe(401);
          expect(res.body.error.code).toMatch(/^jambonz\.signature_/);
        }
      }
      // The caller still waits in the queue: a signed wait round answers as before.
      const round = await hook('queue-wait', queueWaitBody(callSid, queue, bright.accountSid, 0));
      expect(round.at(-1)).toEqual({ verb: 'pause', length: 15 });
      expect(await em().count(CallerMessage, { callSid })).toBe(0);
      await flush();
      expect((await timelineOf(callSid)).map((e) => e.key)).not.toContain('queue:bridged');
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 30 }, { secret: bright.secret });
    });
  });
});
