import 'reflect-metadata';
import type { TenantContext } from '@tero/sdk';
import { Brand, Client, PluginSetting, User } from './entities';
import { TenantViolationError } from './tenant-scope';
import { type TestDatabase, createTestDatabase } from './testing';
import { postgresAvailable } from './testing/postgres-gate';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('tenant scoping on %s', (kind) => {
  let t: TestDatabase;
  let brandA: Brand;
  let brandB: Brand;
  let a1: Client;
  let a2: Client;
  let b1: Client;
  const ctx = (brand: Brand, client: Client | null = null): TenantContext => ({ brandId: brand.id, clientId: client?.id ?? null, locale: 'en' });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('test seed');
    brandA = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    brandB = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    a1 = em.create(Client, { brand: brandA, name: 'A1', slug: 'a1', professionPack: 'dentist' });
    a2 = em.create(Client, { brand: brandA, name: 'A2', slug: 'a2', professionPack: 'dentist' });
    b1 = em.create(Client, { brand: brandB, name: 'B1', slug: 'b1', professionPack: 'dentist' });
    for (const [brand, client, email] of [[brandA, a1, 'o@a1.test'], [brandA, a2, 'o@a2.test'], [brandB, b1, 'o@b1.test']] as const) {
      em.create(User, { brand, client, email, name: email, role: 'client_owner' });
    }
    em.create(User, { brand: brandA, client: null, email: 'admin@a.test', name: 'Admin A', role: 'brand_admin' });
    await em.flush();
  });
  afterAll(() => t.drop());

  it('applies the committed migrations to exactly the entities schema', async () => {
    expect(await t.db.pendingMigrations()).toEqual([]);
    expect(await t.db.schemaDrift()).toBe('');
  });

  it('refuses to use an EntityManager that names no tenant', async () => {
    const em = t.db.orm.em.fork();
    await expect(em.find(Client, {})).rejects.toThrow(/No arguments provided for filter 'tenant'/);
  });

  it('a client sees only its own client row and users', async () => {
    const em = t.db.forTenant(ctx(brandA, a1));
    expect((await em.find(Client, {})).map((c) => c.slug)).toEqual(['a1']);
    expect(await em.findOne(Client, { id: a2.id })).toBeNull();
    expect(await em.findOne(Client, { id: b1.id })).toBeNull();
    expect((await em.find(User, {})).map((u) => u.email)).toEqual(['o@a1.test']);
    expect(await em.count(User, { email: 'o@b1.test' })).toBe(0);
    expect((await em.find(Brand, {})).map((b) => b.slug)).toEqual(['a']);
  });

  it('a brand sees its clients, not another brand’s', async () => {
    const em = t.db.forTenant(ctx(brandA));
    expect((await em.find(Client, {}, { orderBy: { slug: 'asc' } })).map((c) => c.slug)).toEqual(['a1', 'a2']);
    expect(await em.findOne(Client, { slug: 'b1' })).toBeNull();
    expect(await em.findOne(Brand, { id: brandB.id })).toBeNull();
  });

  it('refuses to create a row for another tenant', async () => {
    const em = t.db.forTenant(ctx(brandA, a1));
    em.create(User, { brand: em.getReference(Brand, brandB.id), client: em.getReference(Client, b1.id), email: 'x@evil.test', name: 'x', role: 'client_staff' });
    await expect(em.flush()).rejects.toBeInstanceOf(TenantViolationError);
    expect(await t.db.forInstance('check').count(User, { email: 'x@evil.test' })).toBe(0);
  });

  it('refuses to move a row to another tenant', async () => {
    const em = t.db.forTenant(ctx(brandA, a1));
    const user = await em.findOneOrFail(User, { email: 'o@a1.test' });
    user.client = em.getReference(Client, a2.id);
    await expect(em.flush()).rejects.toBeInstanceOf(TenantViolationError);
    const again = await t.db.forInstance('check').findOneOrFail(User, { email: 'o@a1.test' });
    expect(again.client?.id).toBe(a1.id);
  });

  it('bulk updates and deletes are scoped too', async () => {
    const em = t.db.forTenant(ctx(brandA, a1));
    expect(await em.nativeUpdate(User, { email: 'o@b1.test' }, { name: 'hijacked' })).toBe(0);
    expect(await em.nativeDelete(User, { email: 'o@a2.test' })).toBe(0);
    const check = t.db.forInstance('check');
    expect((await check.findOneOrFail(User, { email: 'o@b1.test' })).name).toBe('o@b1.test');
    expect(await check.count(User, { email: 'o@a2.test' })).toBe(1);
  });

  it('scopes plugin settings per brand and client', async () => {
    const seed = t.db.forInstance('seed');
    seed.create(PluginSetting, { brand: seed.getReference(Brand, brandB.id), client: null, pluginId: 'email-smtp', encryptedConfig: 'x' });
    await seed.flush();
    expect(await t.db.forTenant(ctx(brandA)).count(PluginSetting, {})).toBe(0);
    expect(await t.db.forTenant(ctx(brandB)).count(PluginSetting, {})).toBe(1);
  });
});
