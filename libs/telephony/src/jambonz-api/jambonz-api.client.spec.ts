import { FakeJambonzServer } from '../testing';
import { JambonzApiClient, jambonzApiBase } from './jambonz-api.client';
import { JambonzApiError, isJambonzNotFound } from './jambonz-api.errors';

const hooks = {
  call_hook: { url: 'https://tero.example.com/hooks/jambonz/call#rc=2&rp=ct,5xx', method: 'POST' as const },
  call_status_hook: { url: 'https://tero.example.com/hooks/jambonz/status#rc=2&rp=ct,5xx', method: 'POST' as const },
};

/** The JambonzApiError a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<JambonzApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JambonzApiError) return error;
    throw error;
  }
  throw new Error('expected a JambonzApiError, the call succeeded');
}

describe('JambonzApiClient against the fake api-server', () => {
  let fake: FakeJambonzServer;
  let client: JambonzApiClient;
  let accountSid: string;
  let apiKey: string;
  let carrierSid: string;

  beforeAll(async () => {
    fake = await FakeJambonzServer.start();
    ({ accountSid, apiKey } = fake.seedAccount({ name: 'Brand A' }));
    carrierSid = fake.seedCarrier({ name: 'voip.ms' }).voip_carrier_sid;
    client = new JambonzApiClient({ baseUrl: fake.url, apiKey, timeoutMs: 2_000 });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.clearFaults());

  it('adds /v1 to the base URL once', () => {
    expect(jambonzApiBase('https://api.example.com')).toBe('https://api.example.com/v1');
    expect(jambonzApiBase('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
    expect(new JambonzApiClient({ baseUrl: fake.baseUrl, apiKey }).baseUrl).toBe(fake.baseUrl);
    expect(() => new JambonzApiClient({ baseUrl: fake.url, apiKey: ' ' })).toThrow(/apiKey/);
  });

  describe('applications', () => {
    it('creates one with its hooks as objects, reads it back, lists it both ways, updates and deletes it', async () => {
      const { sid } = await client.createApplication({ name: 'tero', ...hooks, speech_synthesis_vendor: 'elevenlabs', record_all_calls: false });
      const created = fake.requests.at(-1)!;
      expect(created).toMatchObject({ method: 'POST', path: '/v1/Applications', status: 201, body: { name: 'tero', call_hook: hooks.call_hook } });

      const app = await client.getApplication(sid);
      expect(app).toMatchObject({ application_sid: sid, name: 'tero', account_sid: accountSid, speech_synthesis_vendor: 'elevenlabs', record_all_calls: 0 });
      expect(app.call_hook).toEqual({ webhook_sid: expect.any(String), url: hooks.call_hook.url, method: 'POST', username: null, password: null });
      expect(app.call_status_hook?.url).toBe(hooks.call_status_hook.url);
      expect(app.messaging_hook).toBeNull();

      expect((await client.listApplications()).map((a) => a.application_sid)).toContain(sid);
      expect((await client.listApplications(accountSid)).map((a) => a.application_sid)).toContain(sid);

      await client.updateApplication(sid, { name: 'tero', call_hook: { url: 'https://new.example.com/hooks/jambonz/call' } });
      expect((await client.getApplication(sid)).call_hook?.url).toBe('https://new.example.com/hooks/jambonz/call');

      await client.deleteApplication(sid);
      const gone = await refusal(client.getApplication(sid));
      expect(gone).toMatchObject({ code: 'jambonz.not_found', status: 404, retryable: false, endpoint: `GET /v1/Applications/${sid}` });
      expect(isJambonzNotFound(gone)).toBe(true);
    });

    it('passes on jambonz refusals with its words: a duplicate name (422), a bad hook URL (400), a missing hook (500)', async () => {
      await client.createApplication({ name: 'dup', ...hooks });
      const duplicate = await refusal(client.createApplication({ name: 'dup', ...hooks }));
      expect(duplicate).toMatchObject({ code: 'jambonz.rejected', status: 422, retryable: false });
      expect(duplicate.jambonzMessage).toMatch(/^Duplicate entry '.*-dup' for key/);
      expect(duplicate.message).toContain('jambonz answered 422 to POST /v1/Applications: Duplicate entry');

      const badUrl = await refusal(client.createApplication({ name: 'bad', call_hook: { url: 'not a url' }, call_status_hook: hooks.call_status_hook }));
      expect(badUrl).toMatchObject({ code: 'jambonz.rejected', status: 400, jambonzMessage: 'call_hook URL is invalid' });

      const missingHook = await refusal(client.createApplication({ name: 'nohook', call_hook: hooks.call_hook } as never));
      expect(missingHook).toMatchObject({ code: 'jambonz.unavailable', status: 500, retryable: true, jambonzMessage: "Cannot read properties of undefined (reading 'url')" });
    });

    it('answers 400 for a sid that is not a UUID, and refuses to delete an application numbers point at', async () => {
      expect(await refusal(client.getApplication('nope'))).toMatchObject({ status: 400, jambonzMessage: 'Bad request' });
      const { sid } = await client.createApplication({ name: 'busy', ...hooks });
      await client.createPhoneNumber({ number: '+15550001111', voip_carrier_sid: carrierSid, application_sid: sid });
      expect(await refusal(client.deleteApplication(sid))).toMatchObject({ code: 'jambonz.rejected', status: 422, jambonzMessage: 'cannot delete application with phone numbers' });
    });
  });

  describe('phone numbers', () => {
    let appSid: string;
    beforeAll(async () => {
      appSid = (await client.createApplication({ name: 'numbers', ...hooks })).sid;
    });

    it('creates a number on a carrier (stored without its +), reassigns its application, deletes it', async () => {
      const { sid } = await client.createPhoneNumber({ number: '+15551230001', voip_carrier_sid: carrierSid, application_sid: appSid });
      expect(await client.getPhoneNumber(sid)).toEqual({
        phone_number_sid: sid,
        number: '15551230001',
        voip_carrier_sid: carrierSid,
        account_sid: accountSid,
        application_sid: appSid,
        service_provider_sid: null,
      });
      expect((await client.listPhoneNumbers()).map((n) => n.number)).toContain('15551230001');
      expect((await client.listPhoneNumbers(accountSid)).map((n) => n.phone_number_sid)).toContain(sid);

      await client.updatePhoneNumber(sid, { application_sid: null });
      expect((await client.getPhoneNumber(sid)).application_sid).toBeNull();
      expect(fake.requests.at(-2)).toMatchObject({ method: 'PUT', body: { application_sid: null }, status: 204 });

      await client.deletePhoneNumber(sid);
      expect(await refusal(client.getPhoneNumber(sid))).toMatchObject({ code: 'jambonz.not_found' });
      expect(await refusal(client.deletePhoneNumber(sid))).toMatchObject({ code: 'jambonz.not_found', jambonzMessage: 'Not Found' });
    });

    it('refuses a duplicate (422), an unknown carrier (400), a blank number (400); an unknown application fails its foreign key (500)', async () => {
      await client.createPhoneNumber({ number: '+15551230002', voip_carrier_sid: carrierSid });
      expect(await refusal(client.createPhoneNumber({ number: '+15551230002', voip_carrier_sid: carrierSid }))).toMatchObject({
        code: 'jambonz.rejected',
        status: 422,
        jambonzMessage: expect.stringMatching(/^Duplicate entry '15551230002-/),
      });
      const unknownCarrier = '00000000-0000-4000-8000-000000000000';
      expect(await refusal(client.createPhoneNumber({ number: '+15551230003', voip_carrier_sid: unknownCarrier }))).toMatchObject({
        status: 400,
        jambonzMessage: `voip_carrier not found for sid ${unknownCarrier}`,
      });
      expect(await refusal(client.createPhoneNumber({ number: '' }))).toMatchObject({ status: 400, jambonzMessage: 'number is required' });
      expect(await refusal(client.createPhoneNumber({ number: '+1555 123' }))).toMatchObject({ status: 400, jambonzMessage: 'number cannot contain whitespace' });
      const fk = await refusal(client.createPhoneNumber({ number: '+15551230004', voip_carrier_sid: carrierSid, application_sid: unknownCarrier }));
      expect(fk).toMatchObject({ status: 500, retryable: true, jambonzMessage: expect.stringContaining('foreign key constraint fails') });
      expect(fake.phoneNumber('+15551230004')).toBeUndefined();
    });

    it('(the fake, like jambonz) refuses to change a number or its carrier on update', async () => {
      const { sid } = await client.createPhoneNumber({ number: '+15551230005', voip_carrier_sid: carrierSid });
      const put = (body: object) =>
        fetch(`${fake.baseUrl}/PhoneNumbers/${sid}`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const number = await put({ number: '15550000000' });
      expect([number.status, await number.json()]).toEqual([400, { msg: 'number may not be modified' }]);
      const carrier = await put({ voip_carrier_sid: carrierSid });
      expect([carrier.status, await carrier.json()]).toEqual([400, { msg: 'voip_carrier_sid may not be modified' }]);
      expect(fake.phoneNumber(sid)?.number).toBe('15551230005');
    });
  });

  describe('carriers, accounts, webhook secret', () => {
    it('lists the carriers the account may use and their gateways', async () => {
      const own = fake.seedCarrier({ name: 'own trunk', account_sid: accountSid });
      const other = fake.seedAccount();
      fake.seedCarrier({ name: 'someone else', account_sid: other.accountSid });
      fake.seedSipGateway({ voip_carrier_sid: own.voip_carrier_sid, ipv4: '192.0.2.10', port: 5060 });
      const names = (await client.listVoipCarriers()).map((c) => c.name).sort();
      expect(names).toEqual(['own trunk', 'voip.ms']);
      expect(await client.getVoipCarrier(own.voip_carrier_sid)).toMatchObject({ name: 'own trunk', account_sid: accountSid, register_status: {}, is_active: 1 });
      expect(await client.listSipGateways(own.voip_carrier_sid)).toEqual([expect.objectContaining({ ipv4: '192.0.2.10', port: 5060, inbound: 1, outbound: 1 })]);
      expect(await refusal(client.listSipGateways('00000000-0000-4000-8000-000000000001'))).toMatchObject({ status: 400, jambonzMessage: 'invalid voip_carrier_sid' });
    });

    it('sees only its own account, and fetches or regenerates its webhook secret', async () => {
      const accounts = await client.listAccounts();
      expect(accounts.map((a) => a.account_sid)).toEqual([accountSid]);
      expect(await client.getAccount(accountSid)).toMatchObject({ name: 'Brand A', webhook_secret: fake.webhookSecretOf(accountSid) });

      const secret = await client.getWebhookSecret(accountSid);
      expect(secret).toBe(fake.webhookSecretOf(accountSid));
      expect(secret).toMatch(/^wh_secret_[1-9A-Za-z]{22}$/);
      const renewed = await client.getWebhookSecret(accountSid, { regenerate: true });
      expect(renewed).not.toBe(secret);
      expect(fake.webhookSecretOf(accountSid)).toBe(renewed);
      expect(fake.requests.at(-1)).toMatchObject({ path: `/v1/Accounts/${accountSid}/WebhookSecret`, query: { regenerate: 'true' } });
    });

    it("is refused another account's data, in jambonz's own ways", async () => {
      const other = fake.seedAccount();
      expect(await refusal(client.getWebhookSecret(other.accountSid))).toMatchObject({ status: 500, jambonzMessage: 'insufficient permissions' });
      expect(await refusal(client.listSpeechCredentials(other.accountSid))).toMatchObject({
        code: 'jambonz.forbidden',
        status: 403,
        retryable: false,
        jambonzMessage: 'insufficient privileges',
      });
    });
  });

  describe('speech credentials', () => {
    it('pushes an ElevenLabs key under a label, lists it obscured, updates its model but never its key, deletes it', async () => {
      const { sid } = await client.createSpeechCredential(accountSid, {
        vendor: 'elevenlabs',
        label: 'tero-dental',
        api_key: 'sk_0123456789abcdef',
        model_id: 'eleven_flash_v2_5',
        use_for_tts: true,
        use_for_stt: false,
      });
      const [listed] = (await client.listSpeechCredentials(accountSid)).filter((c) => c.speech_credential_sid === sid);
      expect(listed).toMatchObject({ vendor: 'elevenlabs', label: 'tero-dental', api_key: 'sk_012XXXXXXXXXXXXX', model_id: 'eleven_flash_v2_5', use_for_tts: 1, use_for_stt: 0 });
      expect(await client.getSpeechCredential(accountSid, sid)).toMatchObject({ speech_credential_sid: sid, api_key: 'sk_012XXXXXXXXXXXXX' });

      await client.updateSpeechCredential(accountSid, sid, { use_for_tts: true, model_id: 'eleven_turbo_v2_5' });
      expect(fake.speechCredentials(accountSid).find((c) => c.speech_credential_sid === sid)).toMatchObject({ api_key: 'sk_0123456789abcdef', model_id: 'eleven_turbo_v2_5' });

      await client.deleteSpeechCredential(accountSid, sid);
      expect(fake.speechCredentials(accountSid).map((c) => c.speech_credential_sid)).not.toContain(sid);
      // jambonz answers 500 (not 404) to an account key deleting what is gone.
      expect(await refusal(client.deleteSpeechCredential(accountSid, sid))).toMatchObject({ status: 500, jambonzMessage: "Cannot read properties of undefined (reading 'account_sid')" });
    });

    it('refuses a taken label (422), a Cartesia key without a model for speech (500), an update with no use flag (422)', async () => {
      const { sid } = await client.createSpeechCredential(accountSid, { vendor: 'cartesia', label: 'tero-plumber', api_key: 'ck_abcdefghijk', model_id: 'sonic-2', use_for_tts: true, use_for_stt: false });
      expect(fake.speechCredentials(accountSid).find((c) => c.speech_credential_sid === sid)).toMatchObject({ vendor: 'cartesia', api_key: 'ck_abcdefghijk', model_id: 'sonic-2' });
      expect(await refusal(client.createSpeechCredential(accountSid, { vendor: 'cartesia', label: 'tero-plumber', api_key: 'x', model_id: 'sonic-2' }))).toMatchObject({
        status: 422,
        jambonzMessage: 'Label tero-plumber is already in use for another speech credential',
      });
      expect(await refusal(client.createSpeechCredential(accountSid, { vendor: 'cartesia', label: 'other', api_key: 'x', use_for_tts: true }))).toMatchObject({
        status: 500,
        jambonzMessage: 'invalid cartesia speech credential: model_id is required',
      });
      expect(await refusal(client.updateSpeechCredential(accountSid, sid, { model_id: 'sonic-turbo' }))).toMatchObject({
        status: 422,
        jambonzMessage: 'use_for_tts and use_for_stt are the only updateable fields',
      });
    });
  });

  describe('recent calls, alerts, queues', () => {
    const now = Date.now();
    beforeAll(() => {
      fake.seedRecentCalls(accountSid, [
        { call_sid: 'c1', from: '+15550001', to: '+15559001', attempted_at: now - 3_600_000, answered: true, sip_status: 200, duration: 42, trunk: 'voip.ms' },
        { call_sid: 'c2', from: '+15550002', to: '+15559001', attempted_at: now - 7_200_000, answered: false, sip_status: 486, termination_reason: 'busy' },
        { call_sid: 'c3', from: '+15550003', to: '+15559002', attempted_at: now - 10 * 86_400_000, answered: true, sip_status: 200, duration: 10 },
      ]);
      fake.seedAlerts(accountSid, [
        { alert_type: 'webhook-failure', time: now - 60_000, url: 'https://tero.example.com/hooks/jambonz/call', status: 500 },
        { alert_type: 'tts-failure', time: now - 120_000, vendor: 'elevenlabs', label: 'tero-dental', detail: '401 Unauthorized' },
      ]);
      fake.setQueue(accountSid, 'dental-front-desk', 2);
      fake.setQueue(accountSid, 'plumber', 1);
    });

    it('pages recent calls newest first, with page numbers as numbers and the real field names', async () => {
      const first = await client.recentCalls(accountSid, { page: 1, count: 2, days: 7 });
      expect(first).toMatchObject({ total: 2, page: 1, page_size: 2 });
      expect(first.data.map((c) => c.call_sid)).toEqual(['c1', 'c2']);
      expect(first.data[0]).toMatchObject({ account_sid: accountSid, direction: 'inbound', answered: true, sip_status: 200, duration: 42, trunk: 'voip.ms', termination_reason: 'caller hungup' });
      expect(first.data[0]!.sip_callid).toEqual(expect.any(String));
      expect(Date.parse(first.data[0]!.attempted_at)).toBe(now - 3_600_000);
      expect(first.data[1]).toMatchObject({ answered: false, sip_status: 486, termination_reason: 'busy' });

      const all = await client.recentCalls(accountSid, { page: 2, count: 2, start: new Date(now - 30 * 86_400_000), end: new Date(now) });
      expect(all).toMatchObject({ total: 3, page: 2 });
      expect(all.data.map((c) => c.call_sid)).toEqual(['c3']);
      expect(fake.requests.at(-1)!.query).toMatchObject({ page: '2', count: '2', start: new Date(now - 30 * 86_400_000).toISOString() });

      const unanswered = await client.recentCalls(accountSid, { page: 1, count: 10, answered: false });
      expect(unanswered.data.map((c) => c.call_sid)).toEqual(['c2']);
      expect(await refusal(client.recentCalls(accountSid, { page: 1, count: 501 }))).toMatchObject({ status: 400, jambonzMessage: 'missing or invalid "count" query arg' });
    });

    it("pages alerts with jambonz's messages, filtered by type", async () => {
      const page = await client.alerts(accountSid, { page: 1, count: 10, days: 1 });
      expect(page.total).toBe(2);
      expect(page.data[0]).toMatchObject({ alert_type: 'webhook-failure', message: 'https://tero.example.com/hooks/jambonz/call returned 500', account_sid: accountSid, detail: null });
      const tts = await client.alerts(accountSid, { page: 1, count: 10, alert_type: 'tts-failure' });
      expect(tts.data).toEqual([
        expect.objectContaining({ alert_type: 'tts-failure', vendor: 'elevenlabs', message: 'text to speech request to elevenlabs (label: tero-dental) failed: 401 Unauthorized' }),
      ]);
    });

    it('lists queues with their callers, optionally by pattern', async () => {
      expect((await client.queues(accountSid)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'dental-front-desk', length: 2 },
        { name: 'plumber', length: 1 },
      ]);
      expect(await client.queues(accountSid, { search: 'dental*' })).toEqual([{ name: 'dental-front-desk', length: 2 }]);
    });
  });

  describe('messages', () => {
    let smsAccount: { accountSid: string; apiKey: string };
    let sms: JambonzApiClient;
    beforeAll(() => {
      smsAccount = fake.seedAccount({ name: 'Texting brand' });
      fake.seedCarrier({ name: 'sms trunk', account_sid: smsAccount.accountSid, smpp_system_id: 'tero', smpp_password: 'secret' });
      sms = new JambonzApiClient({ baseUrl: fake.url, apiKey: smsAccount.apiKey, timeoutMs: 2_000 });
    });

    it('sends a text through the carrier with SMPP and answers its sid and the carrier\'s answer', async () => {
      const sent = await sms.createMessage(smsAccount.accountSid, { from: '15550100100', to: '15557770001', text: 'Booked: cleaning, Tue 10:00' });
      expect(fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: `/v1/Accounts/${smsAccount.accountSid}/Messages`,
        status: 200,
        body: { from: '15550100100', to: '15557770001', text: 'Booked: cleaning, Tue 10:00' },
      });
      expect(sent).toEqual({ sid: expect.stringMatching(/^[0-9a-f-]{36}$/), carrierResponse: { message_id: expect.any(String), carrier: 'sms trunk' } });
      expect(fake.messages(smsAccount.accountSid)).toEqual([expect.objectContaining({ message_sid: sent.sid, from: '15550100100', to: '15557770001', text: 'Booked: cleaning, Tue 10:00', carrier: 'sms trunk' })]);
    });

    it("refuses what jambonz refuses, in its words: missing fields (400), another account's key (400), no SMS carrier (500)", async () => {
      const before = fake.messages().length;
      expect(await refusal(sms.createMessage(smsAccount.accountSid, { from: '', to: '15557770001', text: 'x' }))).toMatchObject({ code: 'jambonz.rejected', status: 400, retryable: false, jambonzMessage: 'missing from property' });
      expect(await refusal(sms.createMessage(smsAccount.accountSid, { from: '15550100100', to: '', text: 'x' }))).toMatchObject({ status: 400, jambonzMessage: 'missing to property' });
      expect(await refusal(sms.createMessage(smsAccount.accountSid, { from: '15550100100', to: '15557770001' }))).toMatchObject({
        status: 400,
        jambonzMessage: 'either text or media required in outbound message',
      });
      const spKey = fake.seedApiKey('service_provider');
      const provider = new JambonzApiClient({ baseUrl: fake.url, apiKey: spKey });
      expect(await refusal(provider.createMessage(smsAccount.accountSid, { from: '15550100100', to: '15557770001', text: 'x' }))).toMatchObject({
        status: 400,
        jambonzMessage: `unauthorized createMessage request for account ${smsAccount.accountSid}`,
      });
      // The first account has a carrier without SMPP: the feature server finds no way out, the api-server says 500.
      expect(await refusal(client.createMessage(accountSid, { from: '15550100100', to: '15557770001', text: 'x' }))).toMatchObject({ code: 'jambonz.unavailable', status: 500, retryable: true, jambonzMessage: 'Internal Server Error' });
      expect(await refusal(sms.createMessage('not-a-sid', { from: '1', to: '2', text: 'x' }))).toMatchObject({ status: 400, jambonzMessage: 'Bad request' });
      expect(fake.messages().length).toBe(before);
    });

    it('takes injected faults like any route: 5xx retryable, 480 and 4xx not, silence a timeout', async () => {
      const path = `/v1/Accounts/${smsAccount.accountSid}/Messages`;
      const text = { from: '15550100100', to: '15557770002', text: 'x' };
      fake.failNext(1, 503, { method: 'POST', path });
      expect(await refusal(sms.createMessage(smsAccount.accountSid, text))).toMatchObject({ code: 'jambonz.unavailable', status: 503, retryable: true, endpoint: `POST ${path}` });
      fake.failNext(1, 480, { path: /\/Messages$/ });
      expect(await refusal(sms.createMessage(smsAccount.accountSid, text))).toMatchObject({ code: 'jambonz.rejected', status: 480, retryable: false });
      const impatient = new JambonzApiClient({ baseUrl: fake.url, apiKey: smsAccount.apiKey, timeoutMs: 150 });
      fake.failNext(1, 'hang', { path });
      expect(await refusal(impatient.createMessage(smsAccount.accountSid, text))).toMatchObject({ code: 'jambonz.timeout', status: 0, retryable: true });
      expect(fake.messages(smsAccount.accountSid).filter((m) => m.to === '15557770002')).toEqual([]);
      await sms.createMessage(smsAccount.accountSid, text);
      expect(fake.messages(smsAccount.accountSid).filter((m) => m.to === '15557770002')).toHaveLength(1);
    });

    it('a 2xx without a sid is an unexpected answer', async () => {
      const odd = new JambonzApiClient({ baseUrl: 'https://jambonz.example.com', apiKey, fetch: async () => new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json' } }) });
      expect(await refusal(odd.createMessage(accountSid, { from: '1', to: '2', text: 'x' }))).toMatchObject({ code: 'jambonz.unavailable', message: expect.stringContaining('no sid') });
    });
  });

  describe('failures', () => {
    it('a wrong key is unauthorized and not retryable; the key is in no error', async () => {
      const wrong = new JambonzApiClient({ baseUrl: fake.url, apiKey: 'not-a-key-of-this-server' });
      const error = await refusal(wrong.listApplications());
      expect(error).toMatchObject({ code: 'jambonz.unauthorized', status: 401, retryable: false, jambonzMessage: 'Unauthorized' });
      expect(JSON.stringify({ message: error.message, params: error.params })).not.toContain('not-a-key-of-this-server');
      expect(error.options.status).toBe(502);
    });

    it('5xx and 429 are retryable; 4xx are not', async () => {
      fake.failNext(1, 503, { method: 'GET', path: '/v1/PhoneNumbers' });
      expect(await refusal(client.listPhoneNumbers())).toMatchObject({ code: 'jambonz.unavailable', status: 503, retryable: true });
      fake.failNext(1, 429);
      expect(await refusal(client.listAccounts())).toMatchObject({ code: 'jambonz.unavailable', status: 429, retryable: true });
      fake.failNext(1, 400);
      expect(await refusal(client.listAccounts())).toMatchObject({ code: 'jambonz.rejected', status: 400, retryable: false });
      // The fault was used up: the next call succeeds.
      await expect(client.listPhoneNumbers()).resolves.toEqual(expect.any(Array));
    });

    it('no answer within the time limit is a retryable timeout with status 0', async () => {
      const impatient = new JambonzApiClient({ baseUrl: fake.url, apiKey, timeoutMs: 150 });
      fake.failNext(1, 'hang');
      const error = await refusal(impatient.listVoipCarriers());
      expect(error).toMatchObject({ code: 'jambonz.timeout', status: 0, retryable: true, endpoint: 'GET /v1/VoipCarriers' });
      expect(error.options.status).toBe(504);
    });

    it('a dropped connection or an unreachable host is retryable with status 0', async () => {
      fake.failNext(1, 'reset');
      expect(await refusal(client.listVoipCarriers())).toMatchObject({ code: 'jambonz.unavailable', status: 0, retryable: true });
      const closed = await FakeJambonzServer.start();
      const url = closed.url;
      await closed.close();
      const nowhere = new JambonzApiClient({ baseUrl: url, apiKey, timeoutMs: 2_000 });
      expect(await refusal(nowhere.listAccounts())).toMatchObject({ code: 'jambonz.unavailable', status: 0, retryable: true });
    });

    it('a 200 that is not the API (a proxy page) is a retryable unexpected answer', async () => {
      const proxy = new JambonzApiClient({
        baseUrl: 'https://jambonz.example.com',
        apiKey,
        fetch: async () => new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      });
      expect(await refusal(proxy.listAccounts())).toMatchObject({ code: 'jambonz.unavailable', retryable: true, message: expect.stringContaining('not JSON') });
      expect(await refusal(proxy.createApplication({ name: 'x', ...hooks }))).toMatchObject({ code: 'jambonz.unavailable' });
    });
  });
});
