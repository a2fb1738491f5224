import 'reflect-metadata';
import { JambonzConnection } from '@tero/db';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { CallDirectory } from '../call-directory';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { sign, verify } from '../jambonz-signature';
import { FakeJambonzServer } from '../testing';
import { JAMBONZ_APPLICATION_NAME } from './jambonz-reconciler';
import { type ProvisioningWorld, provisioningWorld } from './provisioning-world.testing';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

const CALL_HOOK = 'https://voice.example.com/hooks/jambonz/call#rc=2&rp=ct,5xx';
const STATUS_HOOK = 'https://voice.example.com/hooks/jambonz/status#rc=2&rp=ct,5xx';

describe.each(kinds)('JambonzReconciler against the fake jambonz, on %s', (kind) => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let clock: Date;
  const now = () => clock;
  let w: ProvisioningWorld;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    fake = await FakeJambonzServer.start();
  });
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });
  beforeEach(async () => {
    clock = new Date('2026-04-01T09:00:00Z');
    fake.clearFaults();
    w = await provisioningWorld(t.db, fake, { clock: now, timeoutMs: 300 });
  });

  const connection = () => t.db.forTenant(w.ctx).findOneOrFail(JambonzConnection, { brand: w.brand.id });
  const requestsSince = (mark: number) => fake.requests.slice(mark);
  const writes = (mark: number) => requestsSince(mark).filter((r) => r.method !== 'GET');

  it('creates our application with the hooks and retry fragments, and the assigned numbers on the carrier pointing at it', async () => {
    await w.addNumber('+15550100001', 'assigned', w.dental);
    await w.addNumber('+15550100002', 'assigned', w.plumber);
    await w.addNumber('+15550100003', 'available');

    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report).toMatchObject({ ok: true, applicationCreated: true, numbers: { synced: 3, created: 2, failed: 0 }, drift: [] });

    const [app] = fake.applications(w.accountSid);
    expect(app).toMatchObject({ application_sid: report.applicationSid, name: JAMBONZ_APPLICATION_NAME, account_sid: w.accountSid });
    expect(app!.call_hook).toMatchObject({ url: CALL_HOOK, method: 'POST' });
    expect(app!.call_status_hook).toMatchObject({ url: STATUS_HOOK, method: 'POST' });

    for (const number of ['+15550100001', '+15550100002']) {
      const there = fake.phoneNumber(number)!;
      expect(there).toMatchObject({ number: number.slice(1), voip_carrier_sid: w.carrierSid, application_sid: app!.application_sid, account_sid: w.accountSid });
      expect(await w.numberRow(number)).toMatchObject({ syncState: 'synced', syncError: null, jambonzSid: there.phone_number_sid, syncedAt: clock });
    }
    // A number no client has is not put in jambonz.
    expect(fake.phoneNumber('+15550100003')).toBeUndefined();
    expect(await w.numberRow('+15550100003')).toMatchObject({ syncState: 'synced', jambonzSid: null });

    expect(await connection()).toMatchObject({ status: 'ok', lastError: null, attempts: 0, applicationSid: app!.application_sid, lastSyncedAt: clock });

    // The next pass finds everything in place and writes nothing.
    const mark = fake.requests.length;
    expect(await w.reconciler.reconcileBrand(w.brand.id)).toMatchObject({ ok: true, numbers: { created: 0, reassigned: 0, unassigned: 0 } });
    expect(writes(mark)).toEqual([]);
  });

  it('unpoints a released or quarantined number but keeps it in jambonz, and points it again when it is assigned again', async () => {
    await w.addNumber('+15550100011', 'assigned', w.dental);
    const { applicationSid } = await w.reconciler.reconcileBrand(w.brand.id);
    const sid = fake.phoneNumber('+15550100011')!.phone_number_sid;

    await w.move('+15550100011', 'released', null);
    const released = await w.reconciler.reconcileBrand(w.brand.id);
    expect(released).toMatchObject({ ok: true, numbers: { unassigned: 1 }, drift: [] });
    expect(fake.phoneNumber('+15550100011')).toMatchObject({ phone_number_sid: sid, application_sid: null });
    expect(await w.numberRow('+15550100011')).toMatchObject({ syncState: 'synced', jambonzSid: sid });

    await w.move('+15550100011', 'quarantined', null);
    const mark = fake.requests.length;
    await w.reconciler.reconcileBrand(w.brand.id);
    expect(writes(mark)).toEqual([]);

    await w.move('+15550100011', 'assigned', w.plumber);
    const again = await w.reconciler.reconcileBrand(w.brand.id);
    expect(again).toMatchObject({ ok: true, numbers: { created: 0, reassigned: 1 }, drift: [] });
    expect(fake.phoneNumber('+15550100011')).toMatchObject({ phone_number_sid: sid, application_sid: applicationSid });
  });

  it('repairs drift — a deleted application, a number pointed elsewhere, changed hooks, a stray number, a new secret — and logs it', async () => {
    await w.addNumber('+15550100021', 'assigned', w.dental);
    await w.addNumber('+15550100022', 'assigned', w.plumber);
    await w.addNumber('+15550100023', 'released');
    const first = await w.reconciler.reconcileBrand(w.brand.id);
    const oldApp = first.applicationSid!;

    // Someone deletes our application (unpointing its numbers first, as jambonz requires)…
    fake.driftDeleteApplication(oldApp);
    // …points a number at another application…
    const elsewhere = fake.seedApplication(w.accountSid, 'someone else');
    fake.driftPointNumber('+15550100022', elsewhere);
    const api = new JambonzApiClient({ baseUrl: fake.url, apiKey: w.apiKey });

    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report.ok).toBe(true);
    const newApp = report.applicationSid!;
    expect(newApp).not.toBe(oldApp);
    expect(report.drift.map((d) => d.kind).sort()).toEqual(['application_deleted', 'number_pointed_elsewhere', 'number_pointed_elsewhere']);
    expect(fake.application(newApp)!.call_hook!.url).toBe(CALL_HOOK);
    expect(fake.phoneNumber('+15550100021')!.application_sid).toBe(newApp);
    expect(fake.phoneNumber('+15550100022')!.application_sid).toBe(newApp);
    expect(report.drift.find((d) => d.number === '+15550100022')!.detail).toContain(elsewhere);
    expect((await connection()).applicationSid).toBe(newApp);

    // Then: the hooks are edited in the portal, a number no client of ours has is pointed at us, the
    // released number too, and the webhook secret is regenerated.
    fake.driftSetHooks(newApp, { call_hook: 'https://attacker.example.com/call' });
    await api.createPhoneNumber({ number: '+15550100099', voip_carrier_sid: w.carrierSid, application_sid: newApp });
    // The released number pointed at us again.
    await api.createPhoneNumber({ number: '+15550100023', voip_carrier_sid: w.carrierSid, application_sid: newApp });
    const secret = await api.getWebhookSecret(w.accountSid, { regenerate: true });

    const repaired = await w.reconciler.reconcileBrand(w.brand.id);
    expect(repaired.ok).toBe(true);
    expect(repaired.drift.map((d) => d.kind).sort()).toEqual(['application_hooks_changed', 'number_still_pointed_at_us', 'stray_number_pointed_at_us', 'webhook_secret_changed']);
    expect(fake.application(newApp)!.call_hook!.url).toBe(CALL_HOOK);
    expect(fake.phoneNumber('+15550100099')!.application_sid).toBeNull();
    expect(fake.phoneNumber('+15550100023')!.application_sid).toBeNull();
    const directory = new CallDirectory(t.db, w.keyring);
    expect((await directory.account(w.accountSid))!.secrets[0]).toBe(secret);

    const logged = w.lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('jambonz drift repaired'));
    expect(logged.map((l) => l.drift).sort()).toEqual([
      'application_deleted',
      'application_hooks_changed',
      'number_pointed_elsewhere',
      'number_pointed_elsewhere',
      'number_still_pointed_at_us',
      'stray_number_pointed_at_us',
      'webhook_secret_changed',
    ]);
    expect(logged.every((l) => l.level === 40 && l.brandId === w.brand.id)).toBe(true);
  });

  it('jambonz answering 5xx: the connection shows the error and backs off; nothing half-done is recorded; the next pass resumes', async () => {
    await w.addNumber('+15550100031', 'assigned', w.dental);
    await w.addNumber('+15550100032', 'assigned', w.plumber);
    // The application is created, then creating the first number fails.
    fake.failNext(1, 503, { method: 'POST', path: '/v1/PhoneNumbers' });

    const failed = await w.reconciler.reconcileBrand(w.brand.id);
    expect(failed).toMatchObject({ ok: false, numbers: { failed: 1 } });
    expect(failed.error).toContain('jambonz answered 503 to POST /v1/PhoneNumbers');
    const after = await connection();
    expect(after).toMatchObject({ status: 'error', attempts: 1, lastSyncedAt: null, applicationSid: failed.applicationSid });
    expect(after.lastError).toContain('503');
    expect(after.nextAttemptAt!.getTime()).toBe(clock.getTime() + 60_000);
    expect(await w.numberRow('+15550100031')).toMatchObject({ syncState: 'error', jambonzSid: null, syncedAt: null });
    expect((await w.numberRow('+15550100031')).syncError).toContain('503');
    // The pass stopped there: the other number was not tried and is still pending.
    expect(await w.numberRow('+15550100032')).toMatchObject({ syncState: 'pending' });

    // Before the backoff has passed, the sweep leaves the brand alone.
    expect((await w.reconciler.reconcileDue()).find((r) => r.brandId === w.brand.id)).toBeUndefined();
    expect(await w.reconciler.reconcileBrand(w.brand.id)).toMatchObject({ skipped: 'backoff' });

    // Failing again doubles the wait.
    fake.failNext(1, 502);
    clock = new Date(clock.getTime() + 61_000);
    await w.reconciler.reconcileBrand(w.brand.id);
    expect(await connection()).toMatchObject({ attempts: 2 });
    expect((await connection()).nextAttemptAt!.getTime()).toBe(clock.getTime() + 120_000);

    clock = new Date(clock.getTime() + 121_000);
    const swept = (await w.reconciler.reconcileDue()).find((r) => r.brandId === w.brand.id);
    expect(swept).toMatchObject({ ok: true, numbers: { created: 2, synced: 2 } });
    // The application the failed pass created is the one kept.
    expect(swept!.applicationCreated).toBeUndefined();
    expect(await connection()).toMatchObject({ status: 'ok', attempts: 0, lastError: null, nextAttemptAt: null });
    expect(fake.applications(w.accountSid)).toHaveLength(1);
    expect(await w.numberRow('+15550100031')).toMatchObject({ syncState: 'synced', syncError: null });
  });

  it('jambonz not answering in time: a retryable error, then a clean pass', async () => {
    await w.addNumber('+15550100041', 'assigned', w.dental);
    fake.failNext(1, 'hang', { method: 'GET', path: '/v1/PhoneNumbers' });
    const failed = await w.reconciler.reconcileBrand(w.brand.id);
    expect(failed.ok).toBe(false);
    expect(failed.error).toBe('jambonz did not answer GET /v1/PhoneNumbers: no answer within 300 ms');
    expect(await connection()).toMatchObject({ status: 'error', attempts: 1 });
    expect(await w.numberRow('+15550100041')).toMatchObject({ syncState: 'pending', jambonzSid: null });

    const retried = await w.reconciler.reconcileBrand(w.brand.id, { force: true });
    expect(retried).toMatchObject({ ok: true, numbers: { created: 1 } });
    expect(await w.numberRow('+15550100041')).toMatchObject({ syncState: 'synced' });
  });

  it('jambonz refusing a number (4xx) marks that number error with jambonz\'s words; the others sync; none is recorded as synced wrongly', async () => {
    await w.addNumber('+15550100051', 'assigned', w.dental, '00000000-0000-4000-8000-00000000dead');
    await w.addNumber('+15550100052', 'assigned', w.plumber);
    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report).toMatchObject({ ok: false, numbers: { synced: 1, failed: 1 } });
    const refused = await w.numberRow('+15550100051');
    expect(refused).toMatchObject({ syncState: 'error', jambonzSid: null, syncedAt: null });
    expect(refused.syncError).toBe('jambonz answered 400 to POST /v1/PhoneNumbers: voip_carrier not found for sid 00000000-0000-4000-8000-00000000dead');
    expect(fake.phoneNumber('+15550100051')).toBeUndefined();
    expect(await w.numberRow('+15550100052')).toMatchObject({ syncState: 'synced' });
    const after = await connection();
    expect(after).toMatchObject({ status: 'error', attempts: 1 });
    expect(after.lastError).toContain('+15550100051: jambonz answered 400');
  });

  it('a key jambonz refuses stops the pass with the error shown and nothing synced', async () => {
    await w.addNumber('+15550100061', 'assigned', w.dental);
    const em = t.db.forTenant(w.ctx);
    const row = await em.findOneOrFail(JambonzConnection, { brand: w.brand.id });
    row.encryptedApiKey = w.keyring.encrypt('revoked-key-0000', `jambonz-api-key:${w.brand.id}`);
    await em.flush();
    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report.error).toBe(`jambonz answered 401 to GET /v1/Accounts/${w.accountSid}/WebhookSecret: Unauthorized`);
    expect(await connection()).toMatchObject({ status: 'error', lastError: report.error });
    expect(await w.numberRow('+15550100061')).toMatchObject({ syncState: 'pending' });
    expect(fake.applications(w.accountSid)).toEqual([]);
  });

  it('finds again what a pass created but could not record (a crash between the two), instead of creating it twice', async () => {
    const api = new JambonzApiClient({ baseUrl: fake.url, apiKey: w.apiKey });
    const { sid: app } = await api.createApplication({ name: JAMBONZ_APPLICATION_NAME, call_hook: { url: CALL_HOOK }, call_status_hook: { url: STATUS_HOOK } });
    const { sid: number } = await api.createPhoneNumber({ number: '+15550100071', voip_carrier_sid: w.carrierSid, application_sid: app });
    await w.addNumber('+15550100071', 'assigned', w.dental);

    const mark = fake.requests.length;
    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report).toMatchObject({ ok: true, applicationSid: app, numbers: { created: 0, synced: 1 }, drift: [] });
    expect(writes(mark)).toEqual([]);
    expect(await w.numberRow('+15550100071')).toMatchObject({ syncState: 'synced', jambonzSid: number });
  });

  it('a pool change made while jambonz works keeps the number pending for the next pass', async () => {
    // The pool releases the number between the pass reading it and jambonz creating it.
    let moved = false;
    const racing = await provisioningWorld(t.db, fake, {
      clock: now,
      fetch: async (input, init) => {
        if (!moved && init?.method === 'POST' && String(input).endsWith('/v1/PhoneNumbers')) {
          moved = true;
          await racing.move('+15550100081', 'released', null);
        }
        return fetch(input, init);
      },
    });
    await racing.addNumber('+15550100081', 'assigned', racing.dental);
    const report = await racing.reconciler.reconcileBrand(racing.brand.id);
    expect(moved).toBe(true);
    expect(report.numbers.created).toBe(1);
    // The pass did not write `synced` over the release.
    expect(await racing.numberRow('+15550100081')).toMatchObject({ state: 'released', syncState: 'pending', jambonzSid: null });

    const next = await racing.reconciler.reconcileBrand(racing.brand.id, { force: true });
    expect(next).toMatchObject({ ok: true, numbers: { unassigned: 1 } });
    expect(await racing.numberRow('+15550100081')).toMatchObject({ state: 'released', syncState: 'synced' });
    expect(fake.phoneNumber('+15550100081')!.application_sid).toBeNull();
  });

  it('rotates the webhook secret on schedule and on request; the previous secret still verifies hooks', async () => {
    const first = await w.reconciler.reconcileBrand(w.brand.id);
    expect(first.secret).toBe('unchanged');
    const original = fake.webhookSecretOf(w.accountSid);
    expect(await connection()).toMatchObject({ secretRotatedAt: clock });

    // A month later the pass asks jambonz for a new secret.
    clock = new Date(clock.getTime() + 30 * 86_400_000);
    const rotated = await w.reconciler.reconcileBrand(w.brand.id);
    expect(rotated.secret).toBe('rotated');
    const renewed = fake.webhookSecretOf(w.accountSid);
    expect(renewed).not.toBe(original);
    expect(fake.requests.some((r) => r.path.endsWith('/WebhookSecret') && r.query.regenerate === 'true')).toBe(true);
    expect(await connection()).toMatchObject({ secretRotatedAt: clock });

    const secrets = (await new CallDirectory(t.db, w.keyring).account(w.accountSid))!.secrets;
    expect(secrets.slice(0, 2)).toEqual([renewed, original]);
    const body = '{"call_sid":"abc"}';
    const at = Math.floor(Date.now() / 1000);
    // A call that began under the old secret, and a new one, both verify.
    expect(verify(sign(original, body, at), body, secrets)).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verify(sign(renewed, body, at), body, secrets)).toMatchObject({ ok: true, secretIndex: 0 });

    // The next pass (no rotation due) changes nothing.
    expect((await w.reconciler.reconcileBrand(w.brand.id)).secret).toBe('unchanged');

    // On request, at once.
    const requested = await w.reconciler.reconcileBrand(w.brand.id, { force: true, rotateSecret: true });
    expect(requested.secret).toBe('rotated');
    const third = fake.webhookSecretOf(w.accountSid);
    expect((await new CallDirectory(t.db, w.keyring).account(w.accountSid))!.secrets.slice(0, 2)).toEqual([third, renewed]);
  });
});
