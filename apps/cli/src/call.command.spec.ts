import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring, loadInstanceConfig } from '@tero/core';
import { Brand, Client, JambonzAccount, PhoneNumber } from '@tero/db';
import { createTestDatabase, type TestDatabase } from '../../../libs/db/src/testing';
import { ScriptedWebhookApp } from '../../../libs/telephony/src/simulator/testing/scripted-webhook-app';
import { runCallCommand } from './call.command';
import { findCallTarget } from './jambonz-account-lookup';

const SECRET = 'wh_cli_spec_secret';
const NUMBER = '+15551230000';

describe('tero call', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let app: ScriptedWebhookApp;
  let output: string[];

  const io = (extra: { readLine?: (prompt: string) => Promise<string | null> } = {}) => ({
    env,
    cwd: database.dataDir,
    print: (text: string) => output.push(text),
    ...extra,
  });

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    env = { DATA_DIR: database.dataDir, NODE_ENV: 'test' };
    const keyring = Keyring.fromConfig(loadInstanceConfig(env, { cwd: database.dataDir }).ENCRYPTION_KEYS);
    const em = database.db.forInstance('spec seeds a number and its jambonz account');
    const brand = em.create(Brand, { name: 'Acme Voice', slug: 'acme', supportEmail: 'help@acme.test', senderEmail: 'hi@acme.test', domains: [] });
    const other = em.create(Brand, { name: 'Other', slug: 'other', supportEmail: 'help@other.test', senderEmail: 'hi@other.test', domains: [] });
    const client = em.create(Client, { brand, name: "Joe's Plumbing", slug: 'joes', professionPack: 'plumber', status: 'active' });
    em.create(PhoneNumber, { brand, client, number: NUMBER });
    em.create(PhoneNumber, { brand: other, number: '+15559870000' });
    em.create(JambonzAccount, { brand, accountSid: 'acct-acme', encryptedSecrets: keyring.encryptJson([SECRET, 'older-secret'], 'jambonz-account:acct-acme') });
    await em.flush();
  });
  afterAll(async () => {
    await database.drop();
  });

  beforeEach(async () => {
    output = [];
    app = await new ScriptedWebhookApp((path, body, count) => {
      if (path === '/hooks/jambonz/call') return [{ verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/turn', say: { text: `Joe's Plumbing, how can I help, ${String(body.caller_name || 'caller')}?` } }];
      if (count === 1) return [{ verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/turn', say: { text: 'Anything else?' } }];
      return [{ verb: 'say', text: 'Goodbye!' }, { verb: 'hangup' }];
    }, SECRET).start();
  });
  afterEach(async () => {
    await app.stop();
  });

  it('signs with the newest secret of the account behind the number and prints the conversation', async () => {
    const code = await runCallCommand(['--to', NUMBER, '--from', '+15550142233', '--name', 'Maria', '--url', app.url, '--text', 'My sink is leaking', '--text', "No, that's all"], io());
    expect(code).toBe(0);
    expect(app.received.every((r) => r.signatureValid)).toBe(true);
    expect(app.received[0].body).toMatchObject({ account_sid: 'acct-acme', from: '+15550142233', to: NUMBER, caller_name: 'Maria' });
    expect(output.slice(1)).toEqual([
      "agent  Joe's Plumbing, how can I help, Maria?",
      'caller My sink is leaking',
      'agent  Anything else?',
      "caller No, that's all",
      'agent  Goodbye!',
      '  · the agent hung up',
      expect.stringMatching(/^— the agent hung up, \d+ s, 2 caller turn\(s\)$/),
    ]);
  });

  it('plays the caller lines of a scenario file, with its caller id and language', async () => {
    const file = join(database.dataDir, 'scenario.json');
    writeFileSync(file, JSON.stringify({ id: 's', locale: 'es', caller: { number: '+34911222333', name: 'Lucía' }, at: '2026-11-24T09:00', turns: [{ caller: 'Tengo una fuga', expect: {} }] }));
    expect(await runCallCommand(['--to', NUMBER, '--url', app.url, '--scenario', file], io())).toBe(0);
    expect(app.received[0].body).toMatchObject({ from: '+34911222333', caller_name: 'Lucía' });
    expect((app.received.find((r) => r.path === '/hooks/jambonz/turn')!.body.speech as { language_code: string }).language_code).toBe('es-ES');
    expect(output).toContain('caller Tengo una fuga');
    expect(output.some((line) => line.includes('2026-11-24T09:00'))).toBe(true);
  });

  it('asks the terminal for each caller line when no script is given, showing what the agent said first', async () => {
    const typed = ['The heater is broken', null];
    const prompts: string[] = [];
    const code = await runCallCommand(['--to', NUMBER, '--url', app.url], io({ readLine: async (prompt) => (prompts.push(prompt), typed.shift() ?? null) }));
    expect(code).toBe(0);
    expect(prompts).toEqual(['you> ', 'you> ']);
    expect(output).toContain("agent  Joe's Plumbing, how can I help, caller?");
    expect(output).toContain('agent  Anything else?');
    expect(output.at(-1)).toMatch(/^— the caller hung up/);
  });

  it('uses --secret and --account-sid for a number the database does not know', async () => {
    expect(await runCallCommand(['--to', '+15550009999', '--url', app.url, '--secret', SECRET, '--account-sid', 'acct-x', '--text', 'hi'], io())).toBe(0);
    expect(app.received[0].body.account_sid).toBe('acct-x');
  });

  it('prints the call so far and exits 1 when our application breaks the protocol', async () => {
    await app.stop();
    app = await new ScriptedWebhookApp((path) => (path === '/hooks/jambonz/call' ? [{ verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/turn', say: { text: 'Hello?' } }] : { status: 500 }), SECRET).start();
    expect(await runCallCommand(['--to', NUMBER, '--url', app.url, '--text', 'hi'], io())).toBe(1);
    expect(output).toContain('caller hi');
    expect(output.at(-1)).toMatch(/^tero call: action hook .*\/hooks\/jambonz\/turn answered 500/);
  });

  it('plays the chosen outcome of a transfer and of the wait in the queue after it', async () => {
    await app.stop();
    app = await new ScriptedWebhookApp((path, body) => {
      if (path === '/hooks/jambonz/call') return [{ verb: 'dial', actionHook: '/hooks/jambonz/dial', target: [{ type: 'phone', number: '+15550109999' }] }];
      if (path === '/hooks/jambonz/dial') return [{ verb: 'enqueue', name: 'joes', actionHook: '/hooks/jambonz/queue', waitHook: '/hooks/jambonz/queue-wait' }];
      if (path === '/hooks/jambonz/queue-wait') return [{ verb: 'pause', length: 10 }];
      return [{ verb: 'say', text: `Dial ${String(body.queue_result)}.` }, { verb: 'hangup' }];
    }, SECRET).start();
    const code = await runCallCommand(['--to', NUMBER, '--url', app.url, '--text', 'hi', '--transfer', 'busy', '--queue', 'answered', '--queue-seconds', '15'], io());
    expect(code).toBe(0);
    expect(app.received.find((r) => r.path === '/hooks/jambonz/dial')?.body).toMatchObject({ dial_call_status: 'busy' });
    expect(app.received.find((r) => r.path === '/hooks/jambonz/queue')?.body).toMatchObject({ queue_result: 'bridged' });
    expect(output.at(-1)).toMatch(/waited 15 s in queue joes: bridged$/);
  });

  it('refuses an unknown transfer or queue outcome and a queue time without a queue to wait in, placing no call', async () => {
    const call = (...extra: string[]) => runCallCommand(['--to', NUMBER, '--url', app.url, '--text', 'x', ...extra], io());
    await expect(call('--transfer', 'maybe')).rejects.toThrow('--transfer must be one of answered, no-answer, busy, failed, not "maybe"');
    await expect(call('--queue', 'forever')).rejects.toThrow('--queue must be one of answered, max-wait, hangup, not "forever"');
    await expect(call('--queue', 'answered', '--queue-seconds', 'ten')).rejects.toThrow('--queue-seconds must be a number of seconds, not "ten"');
    await expect(call('--queue-seconds', '10')).rejects.toThrow('--queue-seconds goes with queue answered or hangup');
    await expect(call('--staff-queue', 'full')).rejects.toThrow('--staff-queue must be one of caller-waiting, empty');
    expect(app.received).toHaveLength(0);
  });

  it('finds the number assigned to a client and its newest secret when no number is named (the benchmark does)', async () => {
    const config = loadInstanceConfig(env, { cwd: database.dataDir });
    expect(await findCallTarget(config)).toEqual({ number: NUMBER, accountSid: 'acct-acme', secret: SECRET });
  });

  it('refuses bad numbers, unknown numbers, unknown options and half of --secret/--account-sid, placing no call', async () => {
    await expect(runCallCommand(['--to', '5551230000', '--text', 'x'], io())).rejects.toThrow('--to must be an E.164 number');
    await expect(runCallCommand(['--to', NUMBER, '--from', 'abc', '--text', 'x'], io())).rejects.toThrow('--from must be an E.164 number');
    await expect(runCallCommand(['--to', '+15550001111', '--url', app.url, '--text', 'x'], io())).rejects.toThrow('no phone number +15550001111');
    await expect(runCallCommand(['--to', '+15559870000', '--url', app.url, '--text', 'x'], io())).rejects.toThrow('has no jambonz account');
    await expect(runCallCommand(['--to', NUMBER, '--bogus', 'x'], io())).rejects.toThrow('unknown option "--bogus"');
    await expect(runCallCommand(['--to', NUMBER, '--secret', 's', '--text', 'x'], io())).rejects.toThrow('--secret and --account-sid go together');
    await expect(runCallCommand(['--to', NUMBER, '--text', 'x', '--scenario', join(database.dataDir, 'missing.json')], io())).rejects.toThrow('--scenario');
    expect(app.received).toHaveLength(0);
  });
});
