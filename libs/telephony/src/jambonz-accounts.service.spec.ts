import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '@tero/accounts';
import { Keyring, generateEncryptionKey } from '@tero/core';
import { Brand, Call, Client, JambonzAccount, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import { CallDirectory, jambonzSecretsAad, normalizeNumber } from './call-directory';
import { JambonzAccountsService } from './jambonz-accounts.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe('normalizeNumber', () => {
  it('turns what jambonz sends into E.164', () => {
    expect(normalizeNumber('15551234567')).toBe('+15551234567');
    expect(normalizeNumber('+1 (555) 123-4567')).toBe('+15551234567');
    expect(normalizeNumber('sip:+15551234567@10.0.0.1;transport=udp')).toBe('+15551234567');
    expect(normalizeNumber('anonymous')).toBe('anonymous');
  });
});

describe.each(kinds)('jambonz accounts and the call directory on %s', (kind) => {
  let t: TestDatabase;
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  let ctx: TenantContext;
  let other: TenantContext;
  let clientId: string;
  let changes = 0;
  let service: JambonzAccountsService;
  let clock = Date.parse('2026-03-20T12:00:00Z');
  let directory: CallDirectory;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const brandB = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const client = em.create(Client, { brand, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'America/Los_Angeles' });
    em.create(PhoneNumber, { brand, client, number: '+15550100100' });
    await em.flush();
    ctx = { brandId: brand.id, clientId: null, locale: 'en' };
    other = { brandId: brandB.id, clientId: null, locale: 'en' };
    clientId = client.id;
    service = new JambonzAccountsService(t.db, keyring, () => changes++);
    directory = new CallDirectory(t.db, keyring, 30_000, () => clock);
  });
  afterAll(() => t.drop());

  it('connects an account with a generated secret, stored encrypted and bound to its row', async () => {
    const { accountSid, secret } = await service.addAccount(ctx, { accountSid: 'acct-a' });
    expect(accountSid).toBe('acct-a');
    expect(secret).toMatch(/^wh_secret_[A-Za-z0-9_-]{32}$/);
    const row = await t.db.forInstance('spec').findOneOrFail(JambonzAccount, { accountSid: 'acct-a' });
    expect(row.encryptedSecrets).not.toContain(secret);
    expect(keyring.decryptJson(row.encryptedSecrets, jambonzSecretsAad('acct-a'))).toEqual([secret]);
    expect(() => keyring.decrypt(row.encryptedSecrets, jambonzSecretsAad('acct-b'))).toThrow();
    expect(changes).toBe(1);
    expect(await directory.account('acct-a')).toEqual({ accountSid: 'acct-a', brandId: ctx.brandId, clientId: null, secrets: [secret] });
  });

  it('refuses a taken sid, a bad sid, a short secret and another brand\'s client, changing nothing', async () => {
    const count = async () => t.db.forInstance('spec').count(JambonzAccount, {});
    const before = await count();
    await expect(service.addAccount(other, { accountSid: 'acct-a' })).rejects.toThrow(ValidationError);
    await expect(service.addAccount(ctx, { accountSid: 'no spaces please' })).rejects.toMatchObject({ problems: [{ field: 'accountSid' }] });
    await expect(service.addAccount(ctx, { accountSid: 'acct-x', secret: 'short' })).rejects.toMatchObject({ problems: [{ field: 'secret' }] });
    await expect(service.addAccount(other, { accountSid: 'acct-y', clientId })).rejects.toMatchObject({ problems: [{ field: 'clientId' }] });
    expect(await count()).toBe(before);
  });

  it('rotates: the new secret first, the previous ones kept (at most three) until retired', async () => {
    const first = (await directory.account('acct-a'))!.secrets[0]!;
    const { secret: second } = await service.rotateSecret(ctx, { accountSid: 'acct-a' });
    const { secret: third } = await service.rotateSecret(ctx, { accountSid: 'acct-a', secret: 'wh_secret_chosen_by_the_owner' });
    expect(third).toBe('wh_secret_chosen_by_the_owner');
    const { kept } = await service.rotateSecret(ctx, { accountSid: 'acct-a' });
    expect(kept).toBe(3);
    directory.invalidate();
    const secrets = (await directory.account('acct-a'))!.secrets;
    expect(secrets.slice(1)).toEqual([third, second]);
    expect(secrets).not.toContain(first);
    await service.retireOldSecrets(ctx, 'acct-a');
    expect(await service.secretCount(ctx, 'acct-a')).toBe(1);
    await expect(service.rotateSecret(other, { accountSid: 'acct-a' })).rejects.toMatchObject({ code: 'jambonz.account_not_found' });
  });

  it('finds a brand\'s accounts for a number, a client\'s own account only for that client', async () => {
    await service.addAccount({ ...ctx, clientId }, { accountSid: 'acct-client' });
    await service.addAccount(other, { accountSid: 'acct-other' });
    const number = (await directory.number('+15550100100'))!;
    expect(number).toEqual({ number: '+15550100100', brandId: ctx.brandId, clientId, state: 'assigned' });
    expect((await directory.accountsFor(ctx.brandId, clientId)).map((a) => a.accountSid).sort()).toEqual(['acct-a', 'acct-client']);
    expect((await directory.accountsFor(ctx.brandId, randomUUID())).map((a) => a.accountSid)).toEqual(['acct-a']);
    expect(await directory.number('+15559999999')).toBeNull();
  });

  it('caches look-ups until invalidated or stale', async () => {
    const em = t.db.forInstance('spec');
    await em.nativeUpdate(PhoneNumber, { number: '+15550100100' }, { state: 'quarantined' });
    expect((await directory.number('+15550100100'))!.state).toBe('assigned');
    directory.invalidate();
    expect((await directory.number('+15550100100'))!.state).toBe('quarantined');
    await em.nativeUpdate(PhoneNumber, { number: '+15550100100' }, { state: 'assigned' });
    clock += 30_001;
    expect((await directory.number('+15550100100'))!.state).toBe('assigned');
  });

  it('meters billable seconds since the start of the month in the client\'s zone', async () => {
    const em = t.db.forInstance('spec');
    const base = { brand: ctx.brandId, client: clientId, fromNumber: '+1', toNumber: '+2', route: 'open' as const };
    em.create(Call, { ...base, callSid: 'm1', startedAt: new Date('2026-03-01T08:30:00Z'), billableSeconds: 100 }); // Mar 1, 00:30 in Los Angeles
    em.create(Call, { ...base, callSid: 'm2', startedAt: new Date('2026-03-01T08:00:01Z'), billableSeconds: 20 }); // Mar 1, 00:00:01 in Los Angeles
    em.create(Call, { ...base, callSid: 'm3', startedAt: new Date('2026-03-10T12:00:00Z'), billableSeconds: 30 });
    em.create(Call, { ...base, callSid: 'm4', startedAt: new Date('2026-03-01T07:59:00Z'), billableSeconds: 1000 }); // still February there
    await em.flush();
    expect(await directory.usedSecondsThisMonth(ctx.brandId, clientId, 'America/Los_Angeles')).toBe(150);
    directory.addUsage(clientId, 5);
    expect(await directory.usedSecondsThisMonth(ctx.brandId, clientId, 'America/Los_Angeles')).toBe(155);
  });
});
