import 'reflect-metadata';
import { Keyring, generateEncryptionKey } from '@tero/core';
import { Brand, Client, JambonzAccount, PhoneNumber } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { CallDirectory, jambonzSecretsAad } from '../call-directory';
import { ScriptedWebhookApp } from '../simulator/testing/scripted-webhook-app';
import { AgentTestCalls, type AgentTestCallsDeps } from './agent-test-calls.service';
import { TEST_CALL_ENV_VAR, TestCallMarker } from './test-call-marker';

const BRAND_SECRET = 'wh_secret_brand_account_0123456789';
const CLIENT_SECRET = 'wh_secret_client_account_0123456789';
const NUMBER = '+15550100100';
const SECOND_NUMBER = '+15550100101';

const gather = (prompt: string, input = ['speech', 'digits']) => ({ verb: 'gather', input, actionHook: '/hooks/jambonz/turn', say: { text: prompt } });

/** What the app under test answers: a greeting, then an echo of each turn; "bye" hangs up, "broken" answers bad verbs. */
function receptionist(path: string, body: Record<string, unknown>) {
  if (path === '/hooks/jambonz/call') return [{ verb: 'say', text: 'Thanks for calling Bright Smile.' }, gather('How can I help?')];
  const said = (body.speech as { alternatives: { transcript: string }[] } | undefined)?.alternatives[0]?.transcript;
  if (said === 'bye') return [{ verb: 'say', text: 'Goodbye!' }, { verb: 'hangup' }];
  if (said === 'broken') return [{ verb: 'gather', input: 'speech' }];
  if (body.reason === 'dtmfDetected') return [gather(`You pressed ${String(body.digits)}.`)];
  if (body.reason === 'timeout') return [gather('Are you still there?')];
  return [gather(`You said: ${said}.`)];
}

describe('AgentTestCalls (typed turns through the jambonz simulator)', () => {
  let t: TestDatabase;
  let app: ScriptedWebhookApp;
  let own: TenantContext;
  let other: TenantContext;
  let bare: TenantContext;
  let now = Date.UTC(2026, 2, 9, 15, 0, 0);
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  const marker = new TestCallMarker(keyring);
  const services: AgentTestCalls[] = [];

  function service(overrides: Partial<AgentTestCallsDeps> = {}) {
    const created = new AgentTestCalls({
      db: t.db,
      directory: new CallDirectory(t.db, keyring),
      marker,
      signatures: 'on',
      hooks: { baseUrl: app.url },
      logger: pino({ level: 'silent' }),
      now: () => now,
      ...overrides,
    });
    services.push(created);
    return created;
  }

  const errorOf = async (work: Promise<unknown> | (() => unknown)) => {
    try {
      await (typeof work === 'function' ? work() : work);
    } catch (error) {
      return error as TeroError & { problems?: { field: string; reason: string }[] };
    }
    throw new Error('expected an error');
  };

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Brand', slug: 'brand', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const client = em.create(Client, { brand, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York' });
    const neighbour = em.create(Client, { brand, name: 'Neighbour', slug: 'neighbour', professionPack: 'dentist', timezone: 'America/New_York' });
    const numberless = em.create(Client, { brand, name: 'No Line Yet', slug: 'no-line', professionPack: 'dentist', timezone: 'America/New_York' });
    em.create(PhoneNumber, { brand, client, number: NUMBER });
    em.create(PhoneNumber, { brand, client, number: SECOND_NUMBER });
    em.create(PhoneNumber, { brand, client: neighbour, number: '+15550100200' });
    em.create(PhoneNumber, { brand, client: numberless, number: '+15550100300', state: 'released' });
    em.create(JambonzAccount, { brand, accountSid: 'acct-brand', encryptedSecrets: keyring.encryptJson([BRAND_SECRET], jambonzSecretsAad('acct-brand')) });
    em.create(JambonzAccount, { brand, client, accountSid: 'acct-client', encryptedSecrets: keyring.encryptJson([CLIENT_SECRET], jambonzSecretsAad('acct-client')) });
    await em.flush();
    own = { brandId: brand.id, clientId: client.id, locale: 'en' };
    other = { brandId: brand.id, clientId: neighbour.id, locale: 'en' };
    bare = { brandId: brand.id, clientId: numberless.id, locale: 'en' };
  });

  beforeEach(async () => {
    now = Date.UTC(2026, 2, 9, 15, 0, 0);
    app = await new ScriptedWebhookApp((path, body) => receptionist(path, body), CLIENT_SECRET).start();
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    await app.stop();
  });

  afterAll(async () => {
    await t.drop();
  });

  it('answers with the opening, then each reply once the agent listens again, and ends on hang-up', async () => {
    const calls = service();
    const started = await calls.start(own, {});
    expect(started).toMatchObject({ ended: false, awaiting: { mode: 'gather', accepts: ['speech', 'digits'] }, callSid: null, error: null });
    expect(started.transcript.map((l) => `${l.speaker}: ${l.text}`)).toEqual(['agent: Thanks for calling Bright Smile.', 'agent: How can I help?']);

    const replied = await calls.turn(own, started.id, { text: 'I need a cleaning' });
    expect(replied.transcript.slice(2).map((l) => `${l.speaker}: ${l.text}`)).toEqual(['caller: I need a cleaning', 'agent: You said: I need a cleaning.']);
    expect((await calls.turn(own, started.id, { digits: '1' })).transcript.at(-1)).toEqual({ speaker: 'agent', text: 'You pressed 1.', kind: 'say' });
    expect((await calls.turn(own, started.id, { silence: true })).transcript.slice(-2)).toEqual([
      { speaker: 'caller', text: '…', kind: 'silence' },
      { speaker: 'agent', text: 'Are you still there?', kind: 'say' },
    ]);

    const ended = await calls.hangUp(own, started.id);
    expect(ended).toMatchObject({ ended: true, awaiting: null, endedBy: 'caller', error: null });
    expect(ended.callSid).toEqual(app.received[0]!.body.call_sid);
    expect(ended.transcript.at(-1)).toMatchObject({ speaker: 'system', text: 'the caller hung up' });
    expect(app.statuses()).toEqual(['trying', 'ringing', 'in-progress', 'completed']);
    expect(calls.size).toBe(0);
    expect((await errorOf(() => calls.get(own, started.id))).options.status).toBe(404);
  });

  it('signs with the client\'s own jambonz account and marks the call as a test call for that very call', async () => {
    const calls = service();
    await calls.start(own, { number: SECOND_NUMBER, from: '+15557770001' });
    expect(app.received.every((r) => r.signatureValid)).toBe(true);
    const first = app.received[0]!.body;
    expect(first).toMatchObject({ account_sid: 'acct-client', to: SECOND_NUMBER, from: '+15557770001' });
    expect(marker.isTestCall(first.env_vars, { from: first.from as string, to: first.to as string })).toBe(true);
    expect(marker.isTestCall(first.env_vars, { from: first.from as string, to: NUMBER })).toBe(false);
    expect(Object.keys(first.env_vars as object)).toEqual([TEST_CALL_ENV_VAR]);
  });

  it('ends with the call so far and the reason when our hooks answer verbs jambonz refuses', async () => {
    const calls = service();
    const started = await calls.start(own, {});
    const broken = await calls.turn(own, started.id, { text: 'broken' });
    expect(broken).toMatchObject({ ended: true, awaiting: null, error: { code: 'simulator.invalid_verbs' } });
    expect(broken.transcript.some((l) => l.speaker === 'caller' && l.text === 'broken')).toBe(true);
    expect((await errorOf(calls.turn(own, started.id, { text: 'hello?' }))).code).toBe('test_call.ended');
  });

  it('ends when the agent hangs up, and a later turn is refused as ended', async () => {
    const calls = service();
    const started = await calls.start(own, {});
    const ended = await calls.turn(own, started.id, { text: 'bye' });
    expect(ended).toMatchObject({ ended: true, endedBy: 'agent', awaiting: null });
    expect(ended.transcript.map((l) => l.text)).toContain('Goodbye!');
    const refused = await errorOf(calls.turn(own, started.id, { text: 'wait' }));
    expect([refused.code, refused.options.status]).toEqual(['test_call.ended', 409]);
  });

  it('refuses a second turn while the agent is still answering the first', async () => {
    const calls = service();
    const started = await calls.start(own, {});
    const first = calls.turn(own, started.id, { text: 'one' });
    const second = await errorOf(calls.turn(own, started.id, { text: 'two' }));
    expect([second.code, second.options.status]).toEqual(['test_call.busy', 409]);
    expect((await first).transcript.at(-1)!.text).toBe('You said: one.');
  });

  it('plays the chosen outcomes of a transfer, a wait in the queue and a staff phone\'s dequeue', async () => {
    await app.stop();
    const dial = { verb: 'dial', actionHook: '/hooks/jambonz/dial', target: [{ type: 'phone', number: '+15550109999' }] };
    const enqueue = { verb: 'enqueue', name: 'bright', actionHook: '/hooks/jambonz/queue', waitHook: '/hooks/jambonz/queue-wait' };
    app = await new ScriptedWebhookApp((path, body) => {
      if (path === '/hooks/jambonz/call') return body.from === '+15550107777' ? [{ verb: 'dequeue', name: 'bright', actionHook: '/hooks/jambonz/dequeue', timeout: 5 }] : [gather('How can I help?')];
      if (path === '/hooks/jambonz/turn') return [{ verb: 'say', text: 'Putting you through.' }, dial];
      if (path === '/hooks/jambonz/dial') return body.dial_call_status === 'completed' ? [{ verb: 'hangup' }] : [{ verb: 'say', text: 'Please hold.' }, enqueue];
      if (path === '/hooks/jambonz/queue-wait') return Number(body.queue_time) >= 60 ? [{ verb: 'leave' }] : [{ verb: 'pause', length: 10 }];
      if (path === '/hooks/jambonz/queue') return [{ verb: 'say', text: `Queue over: ${String(body.queue_result)}.` }, { verb: 'hangup' }];
      return [{ verb: 'hangup' }];
    }, CLIENT_SECRET).start();
    const calls = service();
    const play = async (input: Record<string, unknown>) => {
      const started = await calls.start(own, input);
      const view = started.ended ? started : await calls.turn(own, started.id, { text: 'a person please' });
      expect(view.ended).toBe(true);
      return view;
    };
    const hooks = (path: string) => app.received.filter((r) => r.path === path).map((r) => r.body);

    await play({ routing: { transfer: 'answered' } });
    expect(hooks('/hooks/jambonz/dial').map((b) => b.dial_call_status)).toEqual(['completed']);

    await play({ routing: { transfer: 'busy', queue: 'answered', queueSeconds: 25 } });
    expect(hooks('/hooks/jambonz/dial').map((b) => b.dial_call_status)).toEqual(['completed', 'busy']);
    expect(hooks('/hooks/jambonz/queue').at(-1)).toMatchObject({ queue_result: 'bridged' });
    // Bridged at 25 s: rounds of 10 s, each after jambonz's half second of silence, and none after the bridge.
    expect(hooks('/hooks/jambonz/queue-wait').map((b) => b.queue_time)).toEqual([0, 11, 21]);

    const waited = await play({ routing: { transfer: 'no-answer', queue: 'max-wait' } });
    expect(hooks('/hooks/jambonz/dial').at(-1)).toMatchObject({ dial_call_status: 'no-answer' });
    expect(hooks('/hooks/jambonz/queue').at(-1)).toMatchObject({ queue_result: 'leave' });
    expect(waited.transcript.map((l) => l.text)).toContain('Queue over: leave.');

    await play({ routing: { transfer: 'failed', queue: 'hangup', queueSeconds: 5 } });
    expect(hooks('/hooks/jambonz/dial').at(-1)).toMatchObject({ dial_call_status: 'failed' });
    expect(hooks('/hooks/jambonz/queue').at(-1)).toMatchObject({ queue_result: 'hangup', queue_time: 5 });

    await calls.start(own, { from: '+15550107777', routing: { staffQueue: 'caller-waiting' } });
    await calls.start(own, { from: '+15550107777', routing: { staffQueue: 'empty' } }).catch(() => undefined);
    expect(hooks('/hooks/jambonz/dequeue').map((b) => b.dequeue_result)).toEqual(['complete', 'timeout']);
  });

  it('answers 404 for another client\'s call, whatever it does with it', async () => {
    const calls = service();
    const started = await calls.start(own, {});
    for (const attempt of [() => calls.get(other, started.id), () => calls.turn(other, started.id, { text: 'hi' }), () => calls.hangUp(other, started.id)]) {
      const error = await errorOf(attempt);
      expect([error.code, error.options.status]).toEqual(['not_found', 404]);
    }
    expect(calls.get(own, started.id).ended).toBe(false);
  });

  it('names the field of bad input and starts nothing', async () => {
    const calls = service();
    const cases: [unknown, string][] = [
      [{ number: '555-0100' }, 'number'],
      [{ number: '+15550100200' }, 'number'],
      [{ from: 'me' }, 'from'],
      [{ to: NUMBER }, 'to'],
      [{ routing: { transfer: 'maybe' } }, 'routing.transfer'],
      [{ routing: { queue: 'forever' } }, 'routing.queue'],
      [{ routing: { queue: 'answered', queueSeconds: -1 } }, 'routing.queueSeconds'],
      [{ routing: { queue: 'answered', queueSeconds: 7200 } }, 'routing.queueSeconds'],
      [{ routing: { queue: 'max-wait', queueSeconds: 30 } }, 'routing.queueSeconds'],
      [{ routing: { staffQueue: 'full' } }, 'routing.staffQueue'],
      [{ routing: { dial: 'busy' } }, 'routing'],
    ];
    for (const [input, field] of cases) {
      const error = await errorOf(calls.start(own, input));
      expect(error.options.status).toBe(400);
      expect(error.problems!.map((p) => p.field)).toContain(field);
    }
    expect(app.received).toHaveLength(0);
    const started = await calls.start(own, {});
    const turns: [unknown, string][] = [
      [{}, 'text'],
      [{ text: '   ' }, 'text'],
      [{ text: 'x'.repeat(1001) }, 'text'],
      [{ digits: '12a' }, 'digits'],
      [{ silence: false }, 'silence'],
      [{ text: 'hi', digits: '1' }, 'digits'],
      [{ text: 'hi', extra: 1 }, 'extra'],
      [null, 'text'],
    ];
    for (const [input, field] of turns) {
      const error = await errorOf(calls.turn(own, started.id, input));
      expect(error.options.status).toBe(400);
      expect(error.problems!.map((p) => p.field)).toContain(field);
    }
    expect(calls.get(own, started.id).transcript.filter((l) => l.speaker === 'caller')).toHaveLength(0);
  });

  it('refuses a client without an assigned number, and without a jambonz account when hooks must be signed', async () => {
    const noNumber = await errorOf(service().start(bare, {}));
    expect([noNumber.code, noNumber.options.status]).toEqual(['test_call.no_number', 409]);

    const em = t.db.forInstance('spec: a brand without jambonz accounts');
    const brand = em.create(Brand, { name: 'Lone', slug: 'lone', supportEmail: 's@l.test', senderEmail: 'n@l.test' });
    const client = em.create(Client, { brand, name: 'Lone Client', slug: 'lone-client', professionPack: 'dentist', timezone: 'America/New_York' });
    em.create(PhoneNumber, { brand, client, number: '+15550100400' });
    await em.flush();
    const lone: TenantContext = { brandId: brand.id, clientId: client.id, locale: 'en' };
    const noAccount = await errorOf(service().start(lone, {}));
    expect([noAccount.code, noAccount.options.status]).toEqual(['test_call.no_jambonz_account', 409]);

    // With signatures off (development), the call goes out unsigned (this fake app, strict, refuses it).
    await service({ signatures: 'off' }).start(lone, {});
    const first = app.received.find((r) => r.body.to === '+15550100400')!;
    expect(first.signature).toBeUndefined();
  });

  it('keeps at most three calls per client: an ended one makes room, three live ones refuse a fourth', async () => {
    const calls = service();
    const [a, b, c] = [await calls.start(own, {}), await calls.start(own, {}), await calls.start(own, {})];
    const refused = await errorOf(calls.start(own, {}));
    expect([refused.code, refused.options.status, refused.params.max]).toEqual(['test_call.limit', 429, 3]);
    // Another client has its own share; it has no jambonz account, so its calls are signed with the brand's.
    await calls.start(other, {});
    expect(app.received.find((r) => r.body.to === '+15550100200')!.body.account_sid).toBe('acct-brand');

    await calls.turn(own, a.id, { text: 'bye' });
    const d = await calls.start(own, {});
    expect(d.ended).toBe(false);
    expect((await errorOf(() => calls.get(own, a.id))).options.status).toBe(404);
    for (const id of [b.id, c.id, d.id]) expect(calls.get(own, id).ended).toBe(false);
  });

  it('refuses beyond the process-wide limit', async () => {
    const calls = service({ settings: { total: 1 } });
    await calls.start(own, {});
    const refused = await errorOf(calls.start(other, {}));
    expect([refused.code, refused.options.status]).toEqual(['test_call.capacity', 503]);
  });

  it('hangs up and forgets a call left idle past the limit, and keeps one in use', async () => {
    const calls = service({ settings: { idleSeconds: 600 } });
    const idle = await calls.start(own, {});
    const busy = await calls.start(own, {});
    now += 400_000;
    await calls.turn(own, busy.id, { text: 'still here' });
    now += 300_000;
    await calls.sweep();
    expect((await errorOf(() => calls.get(own, idle.id))).options.status).toBe(404);
    expect(calls.get(own, busy.id).ended).toBe(false);
    const completed = app.received.filter((r) => r.path === '/hooks/jambonz/status' && r.body.call_status === 'completed');
    expect(completed.map((r) => r.body.call_sid)).toHaveLength(1);
  });
});
