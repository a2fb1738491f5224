import 'reflect-metadata';
import { Brand, Client, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { NumberPool } from './number-pool.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const RACERS = 50;

/**
 * The pool's promise: a number is never assigned to two clients. Fifty clients race at once — on
 * PostgreSQL through separate pooled connections, truly in parallel — and the database decides.
 */
describe.each(kinds)('number assignment under %s concurrency', (kind) => {
  let t: TestDatabase;
  let pool: NumberPool;
  let ctx: TenantContext;
  let clients: string[];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const made = Array.from({ length: RACERS }, (_, i) =>
      em.create(Client, { brand, name: `Client ${i}`, slug: `client-${i}`, professionPack: 'dentist', timezone: 'America/New_York' }),
    );
    await em.flush();
    ctx = { brandId: brand.id, clientId: null, locale: 'en' };
    clients = made.map((c) => c.id);
    pool = new NumberPool(t.db, { quarantineDays: 30 });
  });
  afterAll(() => t.drop());

  it('50 clients racing for one number: exactly one gets it, the others are told it is taken', async () => {
    const { id } = await pool.importOne(ctx, { number: '+15550199999' });
    const results = await Promise.allSettled(clients.map((clientId) => pool.assign(ctx, clientId, { numberId: id })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(RACERS - 1);
    for (const failure of lost) expect(failure.reason).toMatchObject({ code: 'numbers.taken', options: { status: 409 } });
    const winner = (won[0] as PromiseFulfilledResult<{ clientId: string | null }>).value.clientId;
    const row = await t.db.forInstance('spec').findOneOrFail(PhoneNumber, { id });
    expect(row.state).toBe('assigned');
    expect(row.client?.id).toBe(winner);
  });

  it('50 clients each asking for the next free number of 60: 50 different numbers, none given twice', async () => {
    const lines = ['number'];
    for (let i = 0; i < 60; i++) lines.push(`+1212555${String(2000 + i)}`);
    await pool.importCsv(ctx, lines.join('\n'));
    const results = await Promise.all(clients.map((clientId) => pool.assign(ctx, clientId, { search: { pattern: '+1212555*' } })));
    const numbers = results.map((r) => r.number);
    expect(new Set(numbers).size).toBe(RACERS);
    results.forEach((r, i) => expect(r.clientId).toBe(clients[i]));
    const rows = await t.db.forInstance('spec').find(PhoneNumber, { number: { $like: '+1212555%' } });
    const assigned = rows.filter((r) => r.state === 'assigned');
    expect(assigned).toHaveLength(RACERS);
    expect(new Set(assigned.map((r) => r.client!.id)).size).toBe(RACERS);
    expect(rows.filter((r) => r.state === 'available')).toHaveLength(60 - RACERS);
  });

  it('the last free numbers go to as many clients as there are numbers; the rest hear none is left', async () => {
    const results = await Promise.allSettled(clients.map((clientId) => pool.reserve(ctx, { search: { pattern: '+1212555*' } }, clientId, 10)));
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ number: string }>[];
    expect(won).toHaveLength(60 - RACERS);
    expect(new Set(won.map((r) => r.value.number)).size).toBe(60 - RACERS);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'numbers.none_available' });
  });
});
