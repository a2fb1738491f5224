import 'reflect-metadata';
import { Keyring, generateEncryptionKey } from '@tero/core';
import { Brand, Client, JambonzAlert, JambonzCallRecord, JambonzConnection, PhoneNumber } from '@tero/db';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { FakeJambonzServer } from '../testing/fake-jambonz.server';
import { jambonzApiKeyAad } from '../provisioning/jambonz-connection.service';
import { JambonzIngestion, alertFingerprint, e164Of } from './jambonz-ingestion';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(kinds)('JambonzIngestion against the fake jambonz, on %s', (kind) => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let now: number;
  let brandId: string;
  let otherBrandId: string;
  let clientId: string;
  let accountSid: string;
  let ingestion: JambonzIngestion;
  const errors: string[] = [];
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    now = Date.parse('2026-03-09T15:00:00Z');
    fake = await FakeJambonzServer.start({ now: () => now });
    const account = fake.seedAccount({ name: 'Demo' });
    accountSid = account.accountSid;
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Brand', slug: 'brand', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const other = em.create(Brand, { name: 'Other', slug: 'other', supportEmail: 's@o.test', senderEmail: 'n@o.test' });
    const client = em.create(Client, { brand, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York' });
    const otherClient = em.create(Client, { brand: other, name: 'Elsewhere', slug: 'elsewhere', professionPack: 'dentist', timezone: 'UTC' });
    em.create(PhoneNumber, { brand, client, number: '+15550100100' });
    // Another brand's number: a call to it in this brand's jambonz account is not that client's.
    em.create(PhoneNumber, { brand: other, client: otherClient, number: '+15550200200' });
    await em.flush();
    brandId = brand.id;
    otherBrandId = other.id;
    clientId = client.id;
    em.create(JambonzConnection, { brand, baseUrl: fake.url, accountSid, encryptedApiKey: keyring.encrypt(account.apiKey, jambonzApiKeyAad(brand.id)) });
    await em.flush();
    ingestion = new JambonzIngestion({
      db: t.db,
      keyring,
      logger: pino({ level: 'silent' }),
      settings: { pageSize: 3, callsOverlapMs: HOUR, alertsOverlapMs: 5 * MIN, initialLookbackMs: 24 * HOUR },
      onError: (area) => errors.push(area),
      clock: () => new Date(now),
    });
  });
  afterAll(async () => {
    await fake?.close();
    await t?.drop();
  });

  const em = () => t.db.forTenant({ brandId, clientId: null, locale: 'en' });
  const connection = () => em().findOneOrFail(JambonzConnection, { brand: brandId });

  it('reads every page of the first day, stores each call once with its client, and moves the cursor to now', async () => {
    const at = (minutesAgo: number) => now - minutesAgo * MIN;
    fake.seedRecentCalls(accountSid, [
      { call_sid: 'c1', from: '15557770001', to: '15550100100', trunk: 'carrier-a', sip_status: 200, answered: true, duration: 60, attempted_at: at(10) },
      { call_sid: 'c2', from: '15557770002', to: '15550100100', trunk: 'carrier-a', sip_status: 486, answered: false, attempted_at: at(20) },
      { call_sid: 'c3', from: '15557770003', to: '+1 (555) 010-0100', trunk: 'carrier-b', sip_status: 200, answered: true, duration: 30, attempted_at: at(30) },
      { call_sid: 'c4', from: '15557770004', to: '15550999999', trunk: 'carrier-b', sip_status: 404, answered: false, attempted_at: at(40) },
      { call_sid: 'c5', from: '15557770005', to: '15550200200', trunk: 'carrier-b', sip_status: 503, answered: false, attempted_at: at(50) },
      { call_sid: 'c6', direction: 'outbound', from: '15550100100', to: '15557770006', trunk: 'carrier-a', sip_status: 200, answered: true, duration: 15, attempted_at: at(60) },
      { call_sid: 'old', from: '15557770007', to: '15550100100', attempted_at: now - 25 * HOUR },
    ]);
    fake.seedAlerts(accountSid, [
      { alert_type: 'webhook-failure', url: 'https://tero.example/hooks/jambonz/call', status: 500, time: at(5), target_sid: 'c1' },
      { alert_type: 'webhook-failure', url: 'https://tero.example/hooks/jambonz/call', status: 500, time: at(5), target_sid: 'c2' },
      { alert_type: 'tts-failure', vendor: 'elevenlabs', detail: 'quota', time: at(7) },
    ]);

    const result = await ingestion.ingestBrand(brandId);

    expect(result.connected).toBe(true);
    // 3 + 3 + an empty third page: pages are read until one comes back short.
    expect(result.calls).toMatchObject({ fetched: 6, inserted: 6, pages: 3, advanced: true, from: new Date(now - 24 * HOUR).toISOString(), to: new Date(now).toISOString() });
    expect(result.alerts).toMatchObject({ fetched: 3, inserted: 3, advanced: true });
    const rows = await em().find(JambonzCallRecord, {}, { orderBy: { callSid: 'asc' } });
    expect(rows.map((r) => r.callSid)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    const bySid = new Map(rows.map((r) => [r.callSid, r]));
    // Inbound: the `to` number's client (jambonz drops the +; punctuation too); outbound: the `from` number's.
    expect(['c1', 'c2', 'c3', 'c6'].map((sid) => bySid.get(sid)!.client?.id)).toEqual([clientId, clientId, clientId, clientId]);
    expect(bySid.get('c4')!.client).toBeNull(); // a number no client holds
    expect(bySid.get('c5')!.client).toBeNull(); // the other brand's number
    expect(bySid.get('c1')).toMatchObject({ trunk: 'carrier-a', sipStatus: 200, answered: true, durationSeconds: 60, direction: 'inbound', toNumber: '15550100100' });
    expect(bySid.get('c1')!.attemptedAt.toISOString()).toBe(new Date(now - 10 * MIN).toISOString());
    expect(bySid.get('c2')).toMatchObject({ sipStatus: 486, answered: false, terminationReason: 'timeout' });
    expect(bySid.get('c6')!.direction).toBe('outbound');
    expect((await connection()).callsPolledUntil?.toISOString()).toBe(new Date(now).toISOString());
    expect((await connection()).alertsPolledUntil?.toISOString()).toBe(new Date(now).toISOString());
    const alerts = await em().find(JambonzAlert, {}, { orderBy: { occurredAt: 'asc' } });
    expect(alerts.map((a) => a.alertType).sort()).toEqual(['tts-failure', 'webhook-failure', 'webhook-failure']);
    // Nothing landed in the other brand.
    expect(await t.db.forTenant({ brandId: otherBrandId, clientId: null, locale: 'en' }).count(JambonzCallRecord, {})).toBe(0);
  });

  it('is idempotent: polling the same window again stores nothing twice', async () => {
    const before = fake.requests.length;
    const result = await ingestion.ingestBrand(brandId);
    expect(result.calls).toMatchObject({ inserted: 0, advanced: true });
    expect(result.calls!.fetched).toBeGreaterThan(0); // the overlap reads the last hour again
    expect(result.alerts).toMatchObject({ inserted: 0 });
    expect(await em().count(JambonzCallRecord, {})).toBe(6);
    expect(await em().count(JambonzAlert, {})).toBe(3);
    expect(fake.requests.length).toBeGreaterThan(before);
  });

  it('asks from the cursor minus the overlap, and stores only what is new', async () => {
    const cursor = (await connection()).callsPolledUntil!.getTime();
    now += 2 * MIN;
    fake.seedRecentCalls(accountSid, [{ call_sid: 'c7', from: '15557770008', to: '15550100100', trunk: 'carrier-a', sip_status: 200, answered: true, duration: 5, attempted_at: now - MIN }]);
    // A long call that began before the cursor and whose record jambonz wrote only now.
    fake.seedRecentCalls(accountSid, [{ call_sid: 'late', from: '15557770009', to: '15550100100', trunk: 'carrier-a', sip_status: 200, answered: true, duration: 1500, attempted_at: cursor - 30 * MIN }]);
    const from = fake.requests.length;
    const result = await ingestion.ingestBrand(brandId);
    expect(result.calls).toMatchObject({ inserted: 2, advanced: true, from: new Date(cursor - HOUR).toISOString(), to: new Date(now).toISOString() });
    const asked = fake.requests.slice(from).filter((r) => r.path.endsWith('/RecentCalls'));
    expect(asked[0]!.query).toMatchObject({ page: '1', count: '3', start: new Date(cursor - HOUR).toISOString(), end: new Date(now).toISOString() });
    expect(await em().count(JambonzCallRecord, {})).toBe(8);
  });

  it('leaves the cursor where it was when jambonz answers 5xx, counts the error, and catches up on the next run', async () => {
    const cursorBefore = (await connection()).callsPolledUntil!.toISOString();
    now += MIN;
    fake.seedRecentCalls(accountSid, [{ call_sid: 'c8', from: '15557770010', to: '15550100100', trunk: 'carrier-b', sip_status: 200, answered: true, duration: 9, attempted_at: now - 30_000 }]);
    fake.failNext(1, 503, { path: /\/RecentCalls$/ });
    const failed = await ingestion.ingestBrand(brandId);
    expect(failed.calls).toMatchObject({ advanced: false, inserted: 0 });
    expect(failed.calls!.error).toMatch(/503/);
    expect(failed.alerts).toMatchObject({ advanced: true }); // the other kind is its own
    expect((await connection()).callsPolledUntil!.toISOString()).toBe(cursorBefore);
    expect(errors).toEqual(['monitoring']);

    // A failure on the second page keeps the cursor too (the first page's rows stay: they are idempotent).
    now += MIN;
    const secondPageFails: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname.endsWith('/RecentCalls') && url.searchParams.get('page') === '2') return new Response(JSON.stringify({ msg: 'upstream' }), { status: 502 });
      return fetch(input, init);
    };
    const flaky = new JambonzIngestion({ db: t.db, keyring, logger: pino({ level: 'silent' }), settings: { pageSize: 3 }, fetch: secondPageFails, clock: () => new Date(now) });
    const partial = await flaky.ingestBrand(brandId);
    expect(partial.calls).toMatchObject({ advanced: false, pages: 1 });
    expect(partial.calls!.error).toMatch(/502/);
    expect((await connection()).callsPolledUntil!.toISOString()).toBe(cursorBefore);

    const recovered = await ingestion.ingestBrand(brandId);
    expect(recovered.calls).toMatchObject({ advanced: true });
    expect(partial.calls!.inserted + recovered.calls!.inserted).toBe(1); // c8, newest, came on the first page
    expect((await connection()).callsPolledUntil!.toISOString()).toBe(new Date(now).toISOString());
    expect(await em().findOne(JambonzCallRecord, { callSid: 'c8' })).not.toBeNull();
  });

  it('stops at the page limit without moving the cursor, and continues next time', async () => {
    const limited = new JambonzIngestion({ db: t.db, keyring, logger: pino({ level: 'silent' }), settings: { pageSize: 1, maxPages: 2 }, clock: () => new Date(now) });
    const cursorBefore = (await connection()).callsPolledUntil!.toISOString();
    now += MIN;
    fake.seedRecentCalls(accountSid, [1, 2, 3].map((i) => ({ call_sid: `burst-${i}`, from: '15557770011', to: '15550100100', attempted_at: now - i * 1000 })));
    const result = await limited.ingestBrand(brandId);
    expect(result.calls).toMatchObject({ pages: 2, advanced: false, inserted: 2 });
    expect((await connection()).callsPolledUntil!.toISOString()).toBe(cursorBefore);
    const next = await ingestion.ingestBrand(brandId);
    expect(next.calls).toMatchObject({ advanced: true, inserted: 1 });
  });

  it('attributes a webhook failure to the client of its call, and one ingested before its call record once the record is in', async () => {
    now += 10 * MIN;
    const at = (minutesAgo: number) => now - minutesAgo * MIN;
    fake.seedAlerts(accountSid, [
      { alert_type: 'webhook-failure', url: 'https://tero.test/hooks/jambonz/turn', status: 500, time: at(2), target_sid: 'c1' },
      { alert_type: 'webhook-failure', url: 'https://tero.test/hooks/jambonz/turn', status: 500, time: at(1), target_sid: 'late-1' },
      { alert_type: 'webhook-failure', url: 'https://tero.test/hooks/jambonz/call', status: 500, time: at(1), target_sid: 'c5' },
    ]);
    await ingestion.ingestBrand(brandId);
    const clientOf = async (sid: string) => (await em().findOneOrFail(JambonzAlert, { targetSid: sid })).client?.id ?? null;
    expect(await clientOf('c1')).toBe(clientId);
    // Not known yet; and a call to another brand's number is not that client's.
    expect(await clientOf('late-1')).toBeNull();
    expect(await clientOf('c5')).toBeNull();
    now += MIN;
    fake.seedRecentCalls(accountSid, [{ call_sid: 'late-1', from: '15557770008', to: '15550100100', trunk: 'carrier-a', sip_status: 200, answered: true, duration: 40, attempted_at: at(3) }]);
    await ingestion.ingestBrand(brandId);
    expect(await clientOf('late-1')).toBe(clientId);
  });

  it('says a brand without a connection is not connected, and lists connected brands', async () => {
    expect(await ingestion.ingestBrand(otherBrandId)).toEqual({ brandId: otherBrandId, connected: false });
    expect(await ingestion.connectedBrands()).toEqual([brandId]);
  });
});

describe('ingestion helpers', () => {
  it('reads our numbers out of what jambonz records hold', () => {
    expect(e164Of('15550100100')).toBe('+15550100100');
    expect(e164Of('+15550100100')).toBe('+15550100100');
    expect(e164Of('sip:+15550100100@10.0.0.1;transport=udp')).toBe('+15550100100');
    expect(e164Of('+1 (555) 010-0100')).toBe('+15550100100');
    expect(e164Of('alice')).toBeNull();
    expect(e164Of('101')).toBeNull();
    expect(e164Of(null)).toBeNull();
  });

  it('fingerprints an alert by its time, type, message and call', () => {
    const a = { time: '2026-03-09T15:00:00.000Z', alert_type: 'webhook-failure', message: 'x returned 500', target_sid: 'c1' };
    expect(alertFingerprint(a)).toBe(alertFingerprint({ ...a }));
    expect(alertFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(alertFingerprint({ ...a, target_sid: 'c2' })).not.toBe(alertFingerprint(a));
    expect(alertFingerprint({ ...a, time: '2026-03-09T15:00:00.001Z' })).not.toBe(alertFingerprint(a));
  });
});
