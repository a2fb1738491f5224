import 'reflect-metadata';
import { Keyring } from '@tero/core';
import { randomBytes } from 'node:crypto';
import { Brand, Client, PluginSetting } from './entities';
import { PluginSettingsStore } from './plugin-settings.store';
import { type TestDatabase, createTestDatabase } from './testing';

describe('PluginSettingsStore', () => {
  let t: TestDatabase;
  let store: PluginSettingsStore;
  let brand: Brand;
  let other: Brand;
  let client: Client;
  const keyring = Keyring.fromConfig(`k1:${randomBytes(32).toString('base64')}`);

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('seed');
    brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    other = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    client = em.create(Client, { brand, name: 'C', slug: 'c', professionPack: 'dentist' });
    await em.flush();
    store = new PluginSettingsStore(t.db, keyring);
  });
  afterAll(() => t.drop());

  it('encrypts at rest, merges client over brand, and rotates without restart', async () => {
    const brandCtx = { brandId: brand.id, clientId: null, locale: 'en' };
    const clientCtx = { ...brandCtx, clientId: client.id };
    await store.set(brandCtx, 'email-smtp', { host: 'smtp.brand.test', pass: 'brand-secret' });
    await store.set(clientCtx, 'email-smtp', { pass: 'client-secret' });
    const raw = await t.db.forInstance('inspect').find(PluginSetting, {});
    expect(raw.map((r) => r.encryptedConfig).join()).not.toMatch(/secret/);
    expect(await store.get(clientCtx, 'email-smtp')).toEqual({ host: 'smtp.brand.test', pass: 'client-secret' });
    expect(await store.get(brandCtx, 'email-smtp')).toEqual({ host: 'smtp.brand.test', pass: 'brand-secret' });
    await store.set(brandCtx, 'email-smtp', { host: 'smtp.rotated.test', pass: 'new' });
    expect(await store.get(brandCtx, 'email-smtp')).toEqual({ host: 'smtp.rotated.test', pass: 'new' });
    expect(await store.get({ brandId: other.id, clientId: null, locale: 'en' }, 'email-smtp')).toBeNull();
  });

  it('a ciphertext copied into another tenant’s row does not decrypt', async () => {
    const em = t.db.forInstance('tamper');
    const source = await em.findOneOrFail(PluginSetting, { brand: brand.id, client: null });
    em.create(PluginSetting, { brand: other, client: null, pluginId: 'email-smtp', encryptedConfig: source.encryptedConfig });
    await em.flush();
    await expect(store.get({ brandId: other.id, clientId: null, locale: 'en' }, 'email-smtp')).rejects.toThrow();
  });
});
