import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { Brand, Client, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { NumberPool } from './number-pool.service';

const DAY = 86_400_000;

describe('a brand\'s own quarantine over the instance\'s NUMBER_QUARANTINE_DAYS', () => {
  let t: TestDatabase;
  let pool: NumberPool;
  let own: TenantContext;
  let other: TenantContext;
  let client: Client;
  let otherClient: Client;
  const now = new Date('2026-04-01T09:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('spec seed');
    const a = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const b = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    client = em.create(Client, { brand: a, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'UTC' });
    otherClient = em.create(Client, { brand: b, name: 'Pipes', slug: 'pipes', professionPack: 'plumber', timezone: 'UTC' });
    await em.flush();
    own = { brandId: a.id, clientId: null, locale: 'en' };
    other = { brandId: b.id, clientId: null, locale: 'en' };
    pool = new NumberPool(t.db, { quarantineDays: 30, clock: () => now });
  });
  afterAll(() => t?.drop());

  async function releasedUntil(ctx: TenantContext, holder: Client, number: string): Promise<Date> {
    const em = t.db.forInstance('spec');
    const row = em.create(PhoneNumber, { brand: ctx.brandId, client: holder, number, state: 'assigned' });
    await em.flush();
    return (await pool.release(ctx, row.id)).quarantinedUntil!;
  }

  it('quarantines for the brand\'s days, the instance\'s elsewhere, and back to the instance\'s when cleared', async () => {
    expect(await pool.setQuarantineDays(own, '7')).toBe(7);
    expect((await releasedUntil(own, client, '+15550500001')).getTime()).toBe(now.getTime() + 7 * DAY);
    expect((await releasedUntil(other, otherClient, '+15550500002')).getTime()).toBe(now.getTime() + 30 * DAY);
    expect(await pool.setQuarantineDays(own, '')).toBe(30);
    expect(await pool.quarantineDaysFor(own.brandId)).toBe(30);
  });

  it('refuses days out of bounds or not whole, naming the field, and changes nothing', async () => {
    await pool.setQuarantineDays(own, 14);
    for (const bad of ['0', '366', '2.5', 'soon', -3]) {
      const error = await pool.setQuarantineDays(own, bad).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]!.field).toBe('quarantineDays');
    }
    expect(await pool.quarantineDaysFor(own.brandId)).toBe(14);
  });
});
