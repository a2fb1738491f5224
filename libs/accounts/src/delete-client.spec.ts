import 'reflect-metadata';
import { Brand, Client, User } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { AccountsService, NotFoundError } from './accounts.service';

describe('AccountsService.deleteClient', () => {
  let t: TestDatabase;
  let accounts: AccountsService;
  let changes = 0;
  let brandA: Brand;
  let brandB: Brand;
  const ctxOf = (brand: Brand): TenantContext => ({ brandId: brand.id, clientId: null, locale: 'en' });

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    accounts = new AccountsService(t.db, () => changes++);
    brandA = await accounts.createBrand({ name: 'A', slug: 'brand-a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    brandB = await accounts.createBrand({ name: 'B', slug: 'brand-b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
  });
  afterAll(() => t.drop());

  async function clientWithOwner(brand: Brand, slug: string): Promise<Client> {
    const client = await accounts.createClient(ctxOf(brand), { name: slug, slug, professionPack: 'dentist' });
    await accounts.createUser({ ...ctxOf(brand), clientId: client.id }, { email: `owner@${slug}.test`, name: 'Owner', role: 'client_owner' });
    return client;
  }

  it('runs the hooks with the client’s context first, then deletes the client and what it owns', async () => {
    const doomed = await clientWithOwner(brandA, 'doomed');
    const kept = await clientWithOwner(brandA, 'kept');
    const seen: { ctx: TenantContext; slug: string; users: number }[] = [];
    const off = accounts.onClientDeleting(async (ctx, client) => {
      // The client's rows are still there while hooks run.
      seen.push({ ctx, slug: client.slug, users: await t.db.forTenant(ctx).count(User, {}) });
    });
    const before = changes;
    await accounts.deleteClient(ctxOf(brandA), doomed.id);
    off();
    expect(seen).toEqual([{ ctx: expect.objectContaining({ brandId: brandA.id, clientId: doomed.id }), slug: 'doomed', users: 1 }]);
    expect(changes).toBe(before + 1);
    const em = t.db.forInstance('test');
    expect(await em.count(Client, { id: doomed.id })).toBe(0);
    expect(await em.count(User, { email: 'owner@doomed.test' })).toBe(0);
    expect(await em.count(Client, { id: kept.id })).toBe(1);
    expect(await em.count(User, { email: 'owner@kept.test' })).toBe(1);
  });

  it('deletes nothing when a hook fails', async () => {
    const client = await clientWithOwner(brandA, 'stays');
    const off = accounts.onClientDeleting(async () => {
      throw new Error('vendor unreachable');
    });
    await expect(accounts.deleteClient(ctxOf(brandA), client.id)).rejects.toThrow('vendor unreachable');
    off();
    expect(await t.db.forInstance('test').count(Client, { id: client.id })).toBe(1);
  });

  it('cannot reach another brand’s client, nor another client from a client’s context', async () => {
    const other = await clientWithOwner(brandB, 'other');
    const sibling = await clientWithOwner(brandA, 'sibling');
    await expect(accounts.deleteClient(ctxOf(brandA), other.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(accounts.deleteClient({ ...ctxOf(brandA), clientId: sibling.id }, (await accounts.listClients(ctxOf(brandA))).find((c) => c.slug === 'stays')!.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(accounts.deleteClient(ctxOf(brandA), 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.db.forInstance('test').count(Client, { id: other.id })).toBe(1);
  });
});
