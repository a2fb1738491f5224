import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { InProcessEventBus, InProcessJobQueue, Keyring, generateEncryptionKey } from '@tero/core';
import { Brand, Client, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { JambonzAccountsService } from '../jambonz-accounts.service';
import { FakeJambonzServer } from '../testing';
import { PROVISIONING_REQUESTED, type Provisioning, RECONCILE_BRAND_JOB, RECONCILE_SWEEP_JOB, createProvisioning } from './provisioning.factory';

const silent = pino({ level: 'silent' });

describe('createProvisioning: the reconciler as jobs', () => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let jobs: InProcessJobQueue;
  let events: InProcessEventBus;
  let provisioning: Provisioning;
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  const brandEnqueued: Array<() => void> = [];
  let numbers = 0;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    fake = await FakeJambonzServer.start();
    jobs = new InProcessJobQueue(silent);
    events = new InProcessEventBus(silent);
    const enqueue = jobs.enqueue.bind(jobs);
    jobs.enqueue = async (name, data, options) => {
      const id = await enqueue(name, data, options);
      if (name === RECONCILE_BRAND_JOB) for (const done of brandEnqueued.splice(0)) done();
      return id;
    };
    provisioning = createProvisioning({
      db: t.db,
      keyring,
      accounts: new JambonzAccountsService(t.db, keyring),
      jobs,
      events,
      logger: silent,
      publicUrl: 'https://voice.example.com',
      timeoutMs: 2_000,
    });
    await provisioning.start({ processJobs: false });
    await jobs.start();
  });
  afterAll(async () => {
    provisioning.stop();
    await jobs.close();
    await events.close();
    await fake.close();
    await t.drop();
  });

  const nextBrandJob = () => new Promise<void>((resolve) => brandEnqueued.push(resolve));

  async function brandWithNumber(): Promise<{ ctx: TenantContext; accountSid: string; apiKey: string; carrierSid: string }> {
    const slug = `b${randomUUID().slice(0, 8)}`;
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: slug, slug, supportEmail: `s@${slug}.test`, senderEmail: `n@${slug}.test` });
    const client = em.create(Client, { brand, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'UTC' });
    em.create(PhoneNumber, { brand, client, number: `+1555020${String(++numbers).padStart(4, '0')}`, state: 'assigned', syncState: 'pending' });
    await em.flush();
    const account = fake.seedAccount();
    const carrier = fake.seedCarrier({ name: `${slug}-trunk`, account_sid: account.accountSid });
    return { ctx: { brandId: brand.id, clientId: null, locale: 'en' }, accountSid: account.accountSid, apiKey: account.apiKey, carrierSid: carrier.voip_carrier_sid };
  }

  const status = async (brandId: string) => (await t.db.forInstance('spec').findOneOrFail(JambonzConnection, { brand: brandId })).status;

  it('saving a connection runs a pass for the brand', async () => {
    const b = await brandWithNumber();
    const enqueued = nextBrandJob();
    await provisioning.connections.set(b.ctx, { baseUrl: fake.url, accountSid: b.accountSid, apiKey: b.apiKey, carrierSid: b.carrierSid });
    await enqueued;
    await jobs.drain();
    expect(await status(b.ctx.brandId)).toBe('ok');
    expect(fake.applications(b.accountSid)).toHaveLength(1);
    expect(fake.phoneNumbers().filter((n) => n.account_sid === b.accountSid)).toHaveLength(1);
  });

  it('a pool change announced on the bus runs a pass', async () => {
    const b = await brandWithNumber();
    const enqueued = nextBrandJob();
    await provisioning.connections.set(b.ctx, { baseUrl: fake.url, accountSid: b.accountSid, apiKey: b.apiKey, carrierSid: b.carrierSid });
    await enqueued;
    await jobs.drain();
    fake.driftDeleteApplication(fake.applications(b.accountSid)[0]!.application_sid);

    const announced = nextBrandJob();
    await events.publish({ type: PROVISIONING_REQUESTED, brandId: b.ctx.brandId, clientId: null, payload: {} });
    await announced;
    await jobs.drain();
    const apps = fake.applications(b.accountSid);
    expect(apps).toHaveLength(1);
    expect(fake.phoneNumbers().find((n) => n.account_sid === b.accountSid)!.application_sid).toBe(apps[0]!.application_sid);
  });

  it('the sweep job visits every connection that is due', async () => {
    const b = await brandWithNumber();
    const enqueued = nextBrandJob();
    await provisioning.connections.set(b.ctx, { baseUrl: fake.url, accountSid: b.accountSid, apiKey: b.apiKey, carrierSid: b.carrierSid });
    await enqueued;
    fake.failAlways(503);
    await jobs.drain();
    expect(await status(b.ctx.brandId)).toBe('error');
    fake.clearFaults();
    // Backoff over: the sweep takes the brand again.
    const em = t.db.forInstance('spec');
    const row = await em.findOneOrFail(JambonzConnection, { brand: b.ctx.brandId });
    row.nextAttemptAt = new Date(Date.now() - 1_000);
    await em.flush();
    const id = await jobs.enqueue(RECONCILE_SWEEP_JOB, {});
    await jobs.drain();
    const job = await jobs.get<unknown>(RECONCILE_SWEEP_JOB, id);
    expect(job?.state).toBe('completed');
    expect(await status(b.ctx.brandId)).toBe('ok');
  });

  it('requests while one waits share its job; a rotation request is its own', async () => {
    const idle = new InProcessJobQueue(silent);
    const quiet = createProvisioning({
      db: t.db,
      keyring,
      accounts: new JambonzAccountsService(t.db, keyring),
      jobs: idle,
      events,
      logger: silent,
      publicUrl: 'https://voice.example.com',
    });
    await quiet.start({ processJobs: false });
    const brandId = randomUUID();
    const first = await quiet.requestSync(brandId);
    expect(await quiet.requestSync(brandId)).toBe(first);
    expect(await quiet.requestSync(brandId, { rotateSecret: true })).not.toBe(first);
    expect(await quiet.requestSync(randomUUID())).not.toBe(first);
    expect(await idle.get(RECONCILE_BRAND_JOB, first)).toMatchObject({ state: 'waiting', data: { brandId, rotateSecret: false } });
    quiet.stop();
    await idle.close();
  });
});
