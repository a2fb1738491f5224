import { AgentProfile, Brand, Client, JambonzAccount, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { RECONCILE_BRAND_JOB, type ReconcileReport } from '@tero/telephony';
import { FakeJambonzServer } from '../../libs/telephony/src/testing';
import { type TestApp, createTestApp, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
/** What `data-…` attribute a page gives an element with `data-testid`. */
const attrOf = (html: string, testId: string, attr: string) => new RegExp(`data-testid="${testId}"[^>]*?${attr}="([^"]*)"`).exec(html)?.[1];
const textOf = (html: string, testId: string) => new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html)?.[1];
const decode = (html: string) => html.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

/**
 * Acceptance 1 of the telephony issue, through the brand admin's `/admin/telephony` page and the real
 * app (SQLite, or PostgreSQL + Redis with TEST_BACKEND=postgres-redis) against a local fake jambonz
 * api-server: connecting jambonz (a refused key changes nothing; a good one stores the account's webhook
 * secret), an onboarding-style assignment mirrored as our application and the number pointing at it,
 * release → quarantine → recycling with the number unpointed, drift repaired, jambonz failing (5xx,
 * silence) shown on the page with nothing marked synced, then recovery, and finally a call signed with
 * the secret jambonz holds answered by the client's agent.
 */
describe('jambonz provisioning through the telephony page', () => {
  let t: TestApp;
  let fake: FakeJambonzServer;
  let offsetMs = 0;
  let jambonz: { accountSid: string; apiKey: string; webhookSecret: string };
  let carrierSid: string;
  let admin: string;
  let adminHost: string;
  let brandId: string;
  let brandCtx: TenantContext;
  let dentalId: string;
  let publicUrl: string;
  /** The number the onboarding gives Bright Smile. */
  let onboarded: string;

  const db = () => t.kernel.db.forInstance('e2e assertions');
  const page = (path = '/admin/telephony') => t.http(adminHost).get(path).set('Cookie', admin).set('Accept', 'text/html');
  const post = async (path: string, form: Record<string, string>) => {
    const before = await page();
    return t.http(adminHost).post(path).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(before.text), ...form });
  };
  const connectionRow = () => db().findOne(JambonzConnection, { brand: brandId });
  const numberRow = (number: string) => db().findOneOrFail(PhoneNumber, { number }, { refresh: true });
  /** A reconciler pass for the demo brand, now (what the minute sweep or a requested job runs). */
  const pass = (): Promise<ReconcileReport> => t.kernel.provisioning.reconciler.reconcileBrand(brandId, { force: true });
  const ourApp = () => fake.applications(jambonz.accountSid).find((a) => a.name === 'Tero Voice');
  /** Follows a requested sync to its end: a bounded wait on the job's state only. */
  async function jobDone(location: string): Promise<string> {
    const id = /[?&]job=([^&]+)/.exec(location)![1]!;
    for (let i = 0; i < 400; i++) {
      const job = await t.kernel.jobs.get(RECONCILE_BRAND_JOB, decodeURIComponent(id));
      if (job && (job.state === 'completed' || job.state === 'failed')) return job.state;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${id} did not finish`);
  }

  beforeAll(async () => {
    fake = await FakeJambonzServer.start({ now: () => Date.now() + offsetMs });
    jambonz = fake.seedAccount({ name: 'Demo Voice on jambonz' });
    const carrier = fake.seedCarrier({ name: 'Acme SIP' });
    carrierSid = carrier.voip_carrier_sid;
    fake.seedSipGateway({ voip_carrier_sid: carrierSid, ipv4: '198.51.100.10', port: 5060, inbound: 1, outbound: 0 });
    // A short jambonz timeout: the test of jambonz not answering waits for it (the instance's default is 10 s).
    t = await createTestApp({ clock: () => new Date(Date.now() + offsetMs), env: { JAMBONZ_API_TIMEOUT_MS: '1500' } });
    publicUrl = t.kernel.config.PUBLIC_URL.replace(/\/+$/, '');
    adminHost = t.logins.brandAdmin.host;
    admin = await signIn(t, t.logins.brandAdmin);
    brandId = (await db().findOneOrFail(Brand, { slug: 'demo' })).id;
    brandCtx = { brandId, clientId: null, locale: 'en' };
    dentalId = (await db().findOneOrFail(Client, { slug: 'bright-smile' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('shows an unconnected brand the form, linked from the top bar, to its admin only', async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.text).toContain('href="/admin/telephony"');
    expect(res.text).toContain('data-testid="jambonz-connection"');
    expect(res.text).not.toContain('data-testid="sync-status"');
    const es = await page().set('Accept-Language', 'es');
    expect(es.text).toContain('Conexión con jambonz');
    const owner = await signIn(t, t.logins.owner);
    expect((await t.http(t.logins.owner.host).get('/admin/telephony').set('Cookie', owner).set('Accept', 'text/html')).status).toBe(403);
    expect((await t.http(adminHost).get('/admin/telephony').set('Accept', 'text/html')).status).toBe(303);
  });

  it('refuses a bad address or a key jambonz refuses with the field and its reason, and saves nothing', async () => {
    const badUrl = await post('/admin/telephony', { baseUrl: 'ftp://jambonz', accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid: '' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.text).toMatch(/data-field-error="baseUrl">must be an http\(s\) URL/);

    const wrongKey = 'not-the-jambonz-key-1234';
    const refused = await post('/admin/telephony', { baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: wrongKey, carrierSid: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/data-field-error="apiKey">is refused by jambonz/);
    // The other fields come back; the key never does.
    expect(refused.text).toContain(`value="${jambonz.accountSid}"`);
    expect(refused.text).not.toContain(wrongKey);

    const noCarrier = await post('/admin/telephony', { baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid: 'no-such-carrier' });
    expect(noCarrier.status).toBe(400);
    expect(noCarrier.text).toMatch(/data-field-error="carrierSid">is not a carrier this jambonz account can use/);

    expect(await connectionRow()).toBeNull();
    expect(await db().count(JambonzAccount, { accountSid: jambonz.accountSid })).toBe(0);
  });

  it('tests the connection: what jambonz answered, or its error in its own words', async () => {
    const form = { baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid: '' };
    const tested = await post('/admin/telephony/test', form);
    expect(tested.status).toBe(200);
    expect(tested.text).toContain('data-testid="connection-test"');
    expect(tested.text).toContain('Demo Voice on jambonz');
    expect(tested.text).toMatch(new RegExp(`data-testid="carrier-${carrierSid}"><td>Acme SIP`));
    expect(tested.text).toContain('198.51.100.10:5060');
    // The carriers found become the default carrier's choices.
    expect(tested.text).toContain(`<option value="${carrierSid}">Acme SIP</option>`);
    expect(tested.text).not.toContain(jambonz.apiKey);

    fake.failNext(1, 503, { method: 'GET', path: `/v1/Accounts/${jambonz.accountSid}` });
    const down = await post('/admin/telephony/test', form);
    expect(down.status).toBe(503);
    expect(decode(down.text)).toContain(`jambonz answered 503 to GET /v1/Accounts/${jambonz.accountSid}: fake jambonz: injected 503`);
    expect(await connectionRow()).toBeNull();
  });

  it('saves a good connection: the key kept encrypted and never shown, the webhook secret fetched from jambonz', async () => {
    const saved = await post('/admin/telephony', { baseUrl: `${fake.url}/v1`, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('The connection was saved');
    expect(saved.text).not.toContain(jambonz.apiKey);
    const row = await connectionRow();
    expect(row).toMatchObject({ baseUrl: fake.url, accountSid: jambonz.accountSid, carrierSid });
    expect(row!.encryptedApiKey).not.toContain(jambonz.apiKey);
    // The secret jambonz signs with verifies here: the account is known with it.
    const entry = await t.kernel.telephony.directory.account(jambonz.accountSid);
    expect(entry?.brandId).toBe(brandId);
    expect(entry?.secrets[0]).toBe(jambonz.webhookSecret);

    // "Sync now": a job whose end the page shows, with our application and its hooks.
    const sync = await post('/admin/telephony/sync', {});
    expect(sync.status).toBe(303);
    expect(sync.headers.location).toMatch(/^\/admin\/telephony\?job=jambonz-brand-/);
    expect(await jobDone(sync.headers.location as string)).toBe('completed');
    const after = await page(sync.headers.location as string);
    expect(attrOf(after.text, 'sync-job', 'data-state')).toBe('completed');
    expect(attrOf(after.text, 'sync-status', 'data-status')).toBe('ok');
    const app = ourApp();
    expect(app).toBeDefined();
    expect(textOf(after.text, 'application-sid')).toBe(app!.application_sid);
    expect(decode(textOf(after.text, 'call-hook')!)).toBe(`${publicUrl}/hooks/jambonz/call#rc=2&rp=ct,5xx`);
    // The demo line, assigned before jambonz was connected, is there now.
    expect(fake.phoneNumber('+15550100100')).toMatchObject({ voip_carrier_sid: carrierSid, application_sid: app!.application_sid });
  });

  it('mirrors an onboarding-style assignment: our application with its retrying hooks, the number on the carrier pointing at it', async () => {
    const added = await t.http(adminHost).post('/admin/numbers').set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf((await page()).text), number: '+13035551234' });
    expect(added.status).toBe(200);
    // What onboarding does: the next available number goes to the new client.
    const assigned = await t.kernel.numbers.pool.assign(brandCtx, dentalId, { search: { country: 'US' } });
    onboarded = assigned.number;
    expect(onboarded).toBe('+13035551234');

    const report = await pass();
    expect(report).toMatchObject({ ok: true });
    const app = ourApp()!;
    expect(app.call_hook).toMatchObject({ url: `${publicUrl}/hooks/jambonz/call#rc=2&rp=ct,5xx`, method: 'POST' });
    expect(app.call_status_hook).toMatchObject({ url: `${publicUrl}/hooks/jambonz/status#rc=2&rp=ct,5xx`, method: 'POST' });
    expect(fake.applications(jambonz.accountSid).filter((a) => a.name === 'Tero Voice')).toHaveLength(1);
    const inJambonz = fake.phoneNumber(onboarded);
    expect(inJambonz).toMatchObject({ number: '13035551234', voip_carrier_sid: carrierSid, application_sid: app.application_sid, account_sid: jambonz.accountSid });
    expect(await numberRow(onboarded)).toMatchObject({ syncState: 'synced', jambonzSid: inJambonz!.phone_number_sid });

    const shown = await page();
    expect(attrOf(shown.text, 'sync-count-synced', 'data-count')).toBe('2');
    expect(attrOf(shown.text, 'sync-count-error', 'data-count')).toBe('0');
  });

  it('releases into quarantine (unpointed in jambonz), then recycles the number once the clock passes the quarantine', async () => {
    const id = (await numberRow(onboarded)).id;
    const released = await t.http(adminHost).post(`/admin/numbers/${id}/release`).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf((await page()).text) });
    expect(released.status).toBe(200);
    expect((await numberRow(onboarded)).state).toBe('quarantined');
    expect((await pass()).ok).toBe(true);
    // Kept in jambonz on its carrier, ready for its next client, but reaching no application.
    expect(fake.phoneNumber(onboarded)).toMatchObject({ voip_carrier_sid: carrierSid, application_sid: null });
    expect((await numberRow(onboarded)).syncState).toBe('synced');

    offsetMs = 31 * DAY;
    await t.kernel.numbers.pool.sweep();
    offsetMs = 0;
    expect((await numberRow(onboarded)).state).toBe('available');
    expect((await pass()).ok).toBe(true);
    expect(fake.phoneNumber(onboarded)?.application_sid).toBeNull();

    // Recycled: the next onboarding gets it again, and jambonz points it at us once more.
    const again = await t.kernel.numbers.pool.assign(brandCtx, dentalId, { search: { areaCode: '303' } });
    expect(again.number).toBe(onboarded);
    expect((await pass()).ok).toBe(true);
    expect(fake.phoneNumber(onboarded)?.application_sid).toBe(ourApp()!.application_sid);
  });

  it('repairs drift: a deleted application and a number pointed elsewhere', async () => {
    // Passes the last number change asked for are over; the drift below is then met by this test's pass
    // (called in the same tick: a pass starting later waits for it).
    await t.kernel.jobs.drain();
    const before = ourApp()!.application_sid;
    const theirs = fake.seedApplication(jambonz.accountSid, 'Someone else');
    fake.driftDeleteApplication(before);
    fake.driftPointNumber('+15550100100', theirs);

    const report = await pass();
    expect(report.ok).toBe(true);
    expect(report.drift.map((d) => d.kind)).toEqual(expect.arrayContaining(['application_deleted', 'number_pointed_elsewhere']));
    const app = ourApp()!;
    expect(app.application_sid).not.toBe(before);
    expect(app.call_hook?.url).toBe(`${publicUrl}/hooks/jambonz/call#rc=2&rp=ct,5xx`);
    expect(fake.phoneNumber('+15550100100')?.application_sid).toBe(app.application_sid);
    expect(fake.phoneNumber(onboarded)?.application_sid).toBe(app.application_sid);
    // Someone else's application is left alone.
    expect(fake.application(theirs)).toBeDefined();

    const shown = await page();
    expect(attrOf(shown.text, 'sync-status', 'data-status')).toBe('ok');
    expect(textOf(shown.text, 'application-sid')).toBe(app.application_sid);
    expect(attrOf(shown.text, 'sync-count-synced', 'data-count')).toBe('2');
  });

  it('shows jambonz failing (5xx, then silence) with nothing recorded as synced, then recovers', async () => {
    // jambonz refuses to create numbers with a 500 from before the change, so that no pass (ours, or one
    // the change asked for) can create it: that number fails, the pass stops and retries later.
    fake.failAlways(500, { method: 'POST', path: '/v1/PhoneNumbers' });
    await t.http(adminHost).post('/admin/numbers').set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf((await page()).text), number: '+13035551235' });
    const second = await t.kernel.numbers.pool.assign(brandCtx, dentalId, { search: { pattern: '*1235' } });
    const failed = await pass();
    expect(failed.ok).toBe(false);
    expect(fake.phoneNumber(second.number)).toBeUndefined();
    expect(await numberRow(second.number)).toMatchObject({ syncState: 'error' });
    let shown = await page();
    expect(attrOf(shown.text, 'sync-status', 'data-status')).toBe('error');
    expect(decode(textOf(shown.text, 'last-error')!)).toContain('jambonz answered 500 to POST /v1/PhoneNumbers: fake jambonz: injected 500');
    expect(shown.text).toContain(`data-testid="number-error-${second.number}"`);
    expect(attrOf(shown.text, 'sync-count-error', 'data-count')).toBe('1');
    const row = await connectionRow();
    expect(row!.attempts).toBeGreaterThanOrEqual(1);
    expect(Number(textOf(shown.text, 'attempts'))).toBeGreaterThanOrEqual(1);
    expect(row!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    const lastSynced = row!.lastSyncedAt;

    // jambonz stops answering at all: the pass times out and says so.
    fake.clearFaults();
    fake.failAlways('hang');
    const silent = await pass();
    expect(silent.ok).toBe(false);
    shown = await page();
    expect(attrOf(shown.text, 'sync-status', 'data-status')).toBe('error');
    expect(decode(textOf(shown.text, 'last-error')!)).toMatch(/jambonz did not answer GET \/v1\/Accounts\/[^ ]+\/WebhookSecret/);
    expect(Number(textOf(shown.text, 'attempts'))).toBeGreaterThan(row!.attempts);
    expect((await numberRow(second.number)).syncState).toBe('error');
    expect((await connectionRow())!.lastSyncedAt?.getTime()).toBe(lastSynced?.getTime());

    fake.clearFaults();
    const sync = await post('/admin/telephony/sync', {});
    expect(await jobDone(sync.headers.location as string)).toBe('completed');
    shown = await page();
    expect(attrOf(shown.text, 'sync-status', 'data-status')).toBe('ok');
    expect(shown.text).not.toContain('data-testid="last-error"');
    expect(textOf(shown.text, 'attempts')).toBe('0');
    expect(attrOf(shown.text, 'sync-count-error', 'data-count')).toBe('0');
    expect(fake.phoneNumber(second.number)?.application_sid).toBe(ourApp()!.application_sid);
    expect((await numberRow(second.number)).syncState).toBe('synced');
  });

  it("answers a call to the assigned number signed with the secret jambonz holds, and after a rotation with the new one", async () => {
    const call = async (secret: string) => postHook(t, 'call', { ...callInfo({ number: onboarded, accountSid: jambonz.accountSid }), call_status: 'trying', sip_status: 100 }, { secret });
    const answered = await call(fake.webhookSecretOf(jambonz.accountSid));
    expect(answered.status).toBe(200);
    expectValidVerbs(answered.body, { nonEmpty: true });
    expect(JSON.stringify(answered.body)).toContain('Bright Smile Dental');
    expect((await call('not-the-secret-of-this-account')).status).toBe(401);

    const old = fake.webhookSecretOf(jambonz.accountSid);
    const rotate = await post('/admin/telephony/rotate-secret', {});
    expect(rotate.status).toBe(303);
    expect(await jobDone(rotate.headers.location as string)).toBe('completed');
    const fresh = fake.webhookSecretOf(jambonz.accountSid);
    expect(fresh).not.toBe(old);
    expect((await call(fresh)).status).toBe(200);
    // Calls under way keep verifying with the previous one.
    expect((await call(old)).status).toBe(200);
    const shown = await page(rotate.headers.location as string);
    expect(shown.text).toContain('Sync with a new webhook secret requested.');
  });

  it("pushes the brand's own voice key to jambonz under its label, refuses a bad one, and removes it", async () => {
    const bad = await post('/admin/telephony/speech', { vendor: 'elevenlabs', apiKey: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/data-field-error="speechKey">must be at least 8 characters/);
    expect(fake.speechCredentials(jambonz.accountSid)).toHaveLength(0);

    const key = 'sk_brand_elevenlabs_0123456789';
    const pushed = await post('/admin/telephony/speech', { vendor: 'elevenlabs', apiKey: key, modelId: '' });
    expect(pushed.status).toBe(200);
    expect(pushed.text).toContain('The ElevenLabs key was added to jambonz as tero_brand.');
    expect(pushed.text).not.toContain(key);
    expect(fake.speechCredentials(jambonz.accountSid)).toEqual([expect.objectContaining({ vendor: 'elevenlabs', label: 'tero_brand', api_key: key, use_for_tts: 1 })]);

    const removed = await post('/admin/telephony/speech/remove', { vendor: 'elevenlabs' });
    expect(removed.text).toContain('The ElevenLabs key tero_brand was removed from jambonz.');
    expect(fake.speechCredentials(jambonz.accountSid)).toHaveLength(0);
  });

  it("lets a client's owner bring its own key on /voice-key: pushed as tero-<slug> and selected by its agent", async () => {
    const em = t.kernel.db.forTenant({ ...brandCtx, clientId: dentalId });
    const profile = await em.findOneOrFail(AgentProfile, { client: dentalId });
    profile.voice = { vendor: 'cartesia', voiceId: 'voice-123' };
    await em.flush();
    t.kernel.telephony.directory.invalidate();

    const host = t.logins.owner.host;
    const owner = await signIn(t, t.logins.owner);
    const get = () => t.http(host).get('/voice-key').set('Cookie', owner).set('Accept', 'text/html');
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.text).toContain('href="/voice-key"');
    expect(attrOf(first.text, 'voice-key-status', 'data-in-use')).toBe('no');

    const send = async (path: string, form: Record<string, string>) => t.http(host).post(path).set('Cookie', owner).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf((await get()).text), ...form });
    const refused = await send('/voice-key', { vendor: 'google', apiKey: 'sk_cartesia_0123456789' });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/data-field-error="vendor">must be elevenlabs or cartesia/);
    expect(fake.speechCredentials(jambonz.accountSid)).toHaveLength(0);

    const pushed = await send('/voice-key', { vendor: 'cartesia', apiKey: 'sk_cartesia_0123456789' });
    expect(pushed.status).toBe(200);
    expect(pushed.text).toContain('Your agent now speaks with it.');
    expect(attrOf(pushed.text, 'voice-key-status', 'data-in-use')).toBe('yes');
    expect(fake.speechCredentials(jambonz.accountSid)).toEqual([expect.objectContaining({ vendor: 'cartesia', label: 'tero-bright-smile', model_id: 'sonic-2' })]);
    expect((await em.fork().findOneOrFail(AgentProfile, { client: dentalId })).voice?.label).toBe('tero-bright-smile');

    const removed = await send('/voice-key/remove', { vendor: 'cartesia' });
    expect(removed.text).toContain('The Cartesia key tero-bright-smile was removed from jambonz.');
    expect(fake.speechCredentials(jambonz.accountSid)).toHaveLength(0);
    expect((await em.fork().findOneOrFail(AgentProfile, { client: dentalId })).voice?.label).toBeUndefined();
  });

  it("lets the operator see every brand's connection and manage one; a jambonz account stays one brand's", async () => {
    const operator = await signIn(t, t.logins.operator);
    const host = t.logins.operator.host;
    const list = await t.http(host).get('/operator/telephony').set('Cookie', operator).set('Accept', 'text/html');
    expect(list.status).toBe(200);
    expect(attrOf(list.text, `telephony-brand-${brandId}`, 'data-status')).toBe('ok');
    const harborId = (await db().findOneOrFail(Brand, { slug: 'harbor' })).id;
    expect(attrOf(list.text, `telephony-brand-${harborId}`, 'data-status')).toBe('none');

    const demo = await t.http(host).get(`/operator/brands/${brandId}/telephony`).set('Cookie', operator).set('Accept', 'text/html');
    expect(demo.status).toBe(200);
    expect(demo.text).toContain('Demo Voice');
    expect(attrOf(demo.text, 'sync-status', 'data-status')).toBe('ok');
    expect(demo.text).toContain(`action="/operator/brands/${brandId}/telephony/sync"`);

    // Harbor may not take the demo brand's jambonz account.
    const harborPage = await t.http(host).get(`/operator/brands/${harborId}/telephony`).set('Cookie', operator).set('Accept', 'text/html');
    const taken = await t.http(host)
      .post(`/operator/brands/${harborId}/telephony`)
      .set('Cookie', operator)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfOf(harborPage.text), baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid: '' });
    expect(taken.status).toBe(400);
    expect(taken.text).toMatch(/data-field-error="accountSid">is already connected to another brand/);
    expect(await db().count(JambonzConnection, { brand: harborId })).toBe(0);

    expect((await t.http(host).get('/operator/brands/00000000-0000-4000-8000-000000000000/telephony').set('Cookie', operator).set('Accept', 'text/html')).status).toBe(404);
    // A brand admin is not the operator.
    expect((await t.http(adminHost).get(`/operator/brands/${brandId}/telephony`).set('Cookie', admin).set('Accept', 'text/html')).status).toBe(403);
  });

  it('deletes a number the pool no longer holds in jambonz too, at the next pass', async () => {
    const spare = await t.kernel.numbers.pool.importOne(brandCtx, { number: '+13035550901' });
    await t.kernel.numbers.pool.assign(brandCtx, dentalId, { numberId: spare.id });
    expect((await pass()).ok).toBe(true);
    expect(fake.phoneNumber('+13035550901')).toBeDefined();
    await t.kernel.numbers.pool.release(brandCtx, spare.id);
    const deleted = await t.http(adminHost).post(`/admin/numbers/${spare.id}/delete`).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf((await page()).text), confirm: '1' });
    expect(deleted.status).toBe(200);
    // The number waits on the connection (`numbersToDelete`) for a pass. The release and the deletion each asked for a
    // pass of their own (jobs, which may run first where jobs run on BullMQ): whichever pass got there, the number is
    // gone from jambonz and from the queue once a pass has run.
    await t.kernel.jobs.drain();
    expect((await pass()).ok).toBe(true);
    expect(fake.phoneNumber('+13035550901')).toBeUndefined();
    expect((await connectionRow())!.numbersToDelete ?? []).toEqual([]);
  });

  it('removes the connection once confirmed: our application deleted in jambonz, the numbers left there unpointed, the pool kept', async () => {
    const app = ourApp()!;
    expect(fake.phoneNumber(onboarded)?.application_sid).toBe(app.application_sid);
    const unconfirmed = await post('/admin/telephony/remove', {});
    expect(unconfirmed.status).toBe(400);
    expect(await connectionRow()).not.toBeNull();

    const removed = await post('/admin/telephony/remove', { confirm: '1' });
    expect(removed.status).toBe(200);
    // Every number of the brand that pointed at us (the onboarded one among them).
    expect(removed.text).toMatch(/The jambonz connection was removed: our application is deleted there and \d+ number\(s\) no longer point at it\./);
    expect(fake.phoneNumbers().filter((n) => n.application_sid === app.application_sid)).toEqual([]);
    expect(await connectionRow()).toBeNull();
    expect(fake.application(app.application_sid)).toBeUndefined();
    expect(fake.phoneNumber(onboarded)).toMatchObject({ application_sid: null, voip_carrier_sid: carrierSid });
    expect(await numberRow(onboarded)).toMatchObject({ state: 'assigned', syncState: null, jambonzSid: null });
    // The page offers to connect again; removing twice says there is nothing to remove.
    const again = await post('/admin/telephony/remove', { confirm: '1' });
    expect(again.status).toBe(409);
  });
});
