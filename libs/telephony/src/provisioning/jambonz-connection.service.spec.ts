import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '@tero/accounts';
import { Keyring, generateEncryptionKey } from '@tero/core';
import { Brand, Client, JambonzAccount, JambonzConnection } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { CallDirectory } from '../call-directory';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { JambonzAccountsService } from '../jambonz-accounts.service';
import { FakeJambonzServer } from '../testing';
import { JambonzConnectionService, jambonzApiKeyAad } from './jambonz-connection.service';

describe('JambonzConnectionService against the fake jambonz', () => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  let accounts: JambonzAccountsService;
  let service: JambonzConnectionService;
  let changed: TenantContext[];

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    fake = await FakeJambonzServer.start();
    accounts = new JambonzAccountsService(t.db, keyring);
  });
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });
  beforeEach(() => {
    changed = [];
    service = new JambonzConnectionService(t.db, keyring, accounts, { timeoutMs: 300, onChange: (ctx) => changed.push(ctx) });
  });

  async function brand(): Promise<{ ctx: TenantContext; clientId: string }> {
    const slug = `b${randomUUID().slice(0, 8)}`;
    const em = t.db.forInstance('spec seed');
    const row = em.create(Brand, { name: slug, slug, supportEmail: `s@${slug}.test`, senderEmail: `n@${slug}.test` });
    const client = em.create(Client, { brand: row, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'UTC' });
    await em.flush();
    return { ctx: { brandId: row.id, clientId: null, locale: 'en' }, clientId: client.id };
  }

  const connectionRows = async (brandId: string) => t.db.forInstance('spec').count(JambonzConnection, { brand: brandId });

  it('saves a connection checked against jambonz, the key encrypted and never shown, and registers the webhook secret', async () => {
    const { ctx } = await brand();
    const account = fake.seedAccount({ name: 'Acme Voice' });
    const carrier = fake.seedCarrier({ name: 'acme-trunk', account_sid: account.accountSid });

    const view = await service.set(ctx, { baseUrl: `${fake.url}/v1/`, accountSid: account.accountSid, apiKey: account.apiKey, carrierSid: carrier.voip_carrier_sid });
    expect(view).toEqual({
      baseUrl: fake.url,
      accountSid: account.accountSid,
      carrierSid: carrier.voip_carrier_sid,
      applicationSid: null,
      status: 'pending',
      lastError: null,
      attempts: 0,
      nextAttemptAt: null,
      lastSyncedAt: null,
      secretRotatedAt: null,
      apiKeySet: true,
    });
    expect(JSON.stringify(view)).not.toContain(account.apiKey);
    const row = await t.db.forTenant(ctx).findOneOrFail(JambonzConnection, { brand: ctx.brandId });
    expect(row.encryptedApiKey).not.toContain(account.apiKey);
    expect(keyring.decrypt(row.encryptedApiKey, jambonzApiKeyAad(ctx.brandId))).toBe(account.apiKey);
    expect(() => keyring.decrypt(row.encryptedApiKey, jambonzApiKeyAad(randomUUID()))).toThrow();
    expect(await service.get(ctx)).toEqual(view);

    // jambonz's secret is the one our hooks check from the first call.
    const directory = new CallDirectory(t.db, keyring);
    expect(await directory.account(account.accountSid)).toMatchObject({ brandId: ctx.brandId, clientId: null, secrets: [account.webhookSecret] });
    expect(changed).toEqual([ctx]);
  });

  it('keeps the saved key when a change leaves it out, and takes jambonz\'s secret when it changed there', async () => {
    const { ctx } = await brand();
    const account = fake.seedAccount();
    await service.set(ctx, { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey });
    const carrier = fake.seedCarrier({ name: 'later', account_sid: account.accountSid });
    const regenerated = await new JambonzApiClient({ baseUrl: fake.url, apiKey: account.apiKey }).getWebhookSecret(account.accountSid, { regenerate: true });

    const view = await service.set(ctx, { baseUrl: fake.url, accountSid: account.accountSid, carrierSid: carrier.voip_carrier_sid });
    expect(view.carrierSid).toBe(carrier.voip_carrier_sid);
    expect(await connectionRows(ctx.brandId)).toBe(1);
    const secrets = (await new CallDirectory(t.db, keyring).account(account.accountSid))!.secrets;
    expect(secrets).toEqual([regenerated, account.webhookSecret]);
  });

  it('refuses bad input, a key jambonz refuses, an account it hides, a carrier it lacks, an unreachable server — naming the field, saving nothing', async () => {
    const { ctx } = await brand();
    const account = fake.seedAccount();
    const other = fake.seedAccount();
    const field = async (input: unknown) => {
      try {
        await service.set(ctx, input);
      } catch (error) {
        if (error instanceof ValidationError) return error.problems.map((p) => `${p.field}: ${p.reason}`);
        throw error;
      }
      throw new Error('saved');
    };
    const base = { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey };
    expect(await field({ ...base, baseUrl: 'ftp://jambonz' })).toEqual(['baseUrl: must be an http(s) URL such as https://jambonz.example.com']);
    expect(await field({ ...base, apiKey: undefined })).toEqual(['apiKey: is required']);
    expect(await field({ ...base, accountSid: 'has spaces' })).toEqual(['accountSid: must be 1-64 letters, digits, _ or -']);
    expect(await field({ ...base, extra: 1 })).toEqual([expect.stringMatching(/^extra: /)]);
    expect(await field({ ...base, apiKey: 'wrong-key-123' })).toEqual(['apiKey: is refused by jambonz']);
    expect(await field({ ...base, accountSid: other.accountSid })).toEqual([`accountSid: is not an account this API key can manage (500: insufficient permissions)`]);
    expect(await field({ ...base, carrierSid: randomUUID() })).toEqual(['carrierSid: is not a carrier this jambonz account can use']);
    expect(await field({ ...base, baseUrl: `${fake.url}/api` })).toEqual([expect.stringMatching(/^baseUrl: is not a jambonz API \(404: Cannot GET \/api\/v1\/Accounts\//)]);
    fake.failNext(1, 'hang');
    expect(await field(base)).toEqual(['baseUrl: does not answer as a jambonz API: no answer within 300 ms']);
    expect(await connectionRows(ctx.brandId)).toBe(0);
    expect(await t.db.forInstance('spec').count(JambonzAccount, { accountSid: account.accountSid })).toBe(0);
    expect(changed).toEqual([]);
  });

  it("refuses an account another brand connected, and a client's own context", async () => {
    const first = await brand();
    const second = await brand();
    const account = fake.seedAccount();
    await service.set(first.ctx, { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey });
    await expect(service.set(second.ctx, { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey })).rejects.toMatchObject({
      problems: [{ field: 'accountSid', reason: 'is already connected to another brand' }],
    });
    const clientCtx = { ...first.ctx, clientId: first.clientId };
    await expect(service.get(clientCtx)).rejects.toMatchObject({ code: 'auth.forbidden', options: { status: 403 } });
    await expect(service.set(clientCtx, {})).rejects.toMatchObject({ code: 'auth.forbidden' });
  });

  it('tests given or saved settings and says what it found: the account, its carriers and their gateways', async () => {
    const { ctx } = await brand();
    const account = fake.seedAccount({ name: 'Acme Voice' });
    const own = fake.seedCarrier({ name: 'acme-trunk', account_sid: account.accountSid });
    fake.seedSipGateway({ voip_carrier_sid: own.voip_carrier_sid, ipv4: '198.51.100.7', port: 5080, outbound: 0 });
    const input = { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey, carrierSid: own.voip_carrier_sid };

    const found = await service.test(ctx, input);
    expect(found.account).toEqual({ sid: account.accountSid, name: 'Acme Voice', active: true });
    expect(found.carrier).toEqual({ sid: own.voip_carrier_sid, name: 'acme-trunk' });
    expect(found.carriers.find((c) => c.sid === own.voip_carrier_sid)).toEqual({
      sid: own.voip_carrier_sid,
      name: 'acme-trunk',
      active: true,
      ownedByAccount: true,
      gateways: [{ address: '198.51.100.7', port: 5080, inbound: true, outbound: false }],
    });
    expect(await connectionRows(ctx.brandId)).toBe(0);

    await expect(service.test(ctx)).rejects.toMatchObject({ code: 'jambonz.not_connected' });
    await service.set(ctx, input);
    expect((await service.test(ctx)).account.name).toBe('Acme Voice');
  });
});
