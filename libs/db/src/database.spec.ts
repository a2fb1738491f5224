import 'reflect-metadata';
import { Brand, Client } from './entities';
import type { RawStatements } from './database';
import { type TestDatabase, createTestDatabase } from './testing';
import { postgresAvailable } from './testing/postgres-gate';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('Database on %s', (kind) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.drop());

  /** A brand inserted through the raw connection: dates, and JSON (an array and an object). */
  const insertBrand = (sql: RawStatements, id: string, slug: string, createdAt: Date) => {
    const p = (n: number) => sql.param(n);
    return sql.run(
      `insert into brands (id, created_at, updated_at, name, slug, domains, theme_tokens, support_email, sender_email) values (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}) on conflict do nothing`,
      [id, createdAt, createdAt, `Brand ${slug}`, slug, [`${slug}.example.com`], { primary: '#123456' }, `s@${slug}.test`, `n@${slug}.test`],
    );
  };

  it('writes raw rows in one transaction that the ORM reads back as it writes them, and skips a duplicate key', async () => {
    const id = '0b0c1d2e-0000-4000-8000-000000000001';
    const at = new Date('2026-03-09T15:04:05.678Z');
    const changed = await t.db.rawTransaction(async (sql) => [await insertBrand(sql, id, 'raw-a', at), await insertBrand(sql, id, 'raw-a', at)]);
    expect(changed).toEqual([1, 0]);
    const brand = await t.db.forInstance('spec').findOneOrFail(Brand, { id });
    expect(brand).toMatchObject({ slug: 'raw-a', supportEmail: 's@raw-a.test', domains: ['raw-a.example.com'], themeTokens: { primary: '#123456' } });
    expect(brand.createdAt.toISOString()).toBe(at.toISOString());
  });

  it('rolls everything back when the work throws, and tells a refused row from other failures', async () => {
    const id = '0b0c1d2e-0000-4000-8000-000000000002';
    let refusal: unknown;
    await expect(
      t.db.rawTransaction(async (sql) => {
        await insertBrand(sql, id, 'raw-b', new Date());
        try {
          // A client of a brand that does not exist: the foreign key refuses it.
          await sql.run(
            `insert into clients (id, created_at, updated_at, brand_id, name, slug, profession_pack) values (${sql.param(1)}, ${sql.param(2)}, ${sql.param(3)}, ${sql.param(4)}, 'X', 'x', 'dentist')`,
            ['0b0c1d2e-0000-4000-8000-0000000000c1', new Date(), new Date(), '0b0c1d2e-0000-4000-8000-00000000dead'],
          );
        } catch (error) {
          refusal = error;
        }
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(t.db.isConstraintViolation(refusal)).toBe(true);
    expect(t.db.isConstraintViolation(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(await t.db.forInstance('spec').count(Brand, { id })).toBe(0);
  });

  it('does not let a raw transaction interleave with an ORM transaction in progress', async () => {
    const em = t.db.forInstance('spec');
    const brand = em.create(Brand, { name: 'Held', slug: 'held', supportEmail: 's@held.test', senderEmail: 'n@held.test' });
    await em.flush();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const orm = t.db.forInstance('spec').transactional(async (tx) => {
      tx.create(Client, { brand: tx.getReference(Brand, brand.id), name: 'In tx', slug: 'in-tx', professionPack: 'dentist' });
      await tx.flush();
      order.push('orm wrote');
      await held;
      order.push('orm commits');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const raw = t.db.rawTransaction(async (sql) => {
      order.push('raw runs');
      return insertBrand(sql, '0b0c1d2e-0000-4000-8000-000000000003', 'raw-c', new Date());
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await Promise.all([orm, raw]);
    // On SQLite both share one connection, so the raw work waits; on PostgreSQL it has its own connection.
    if (kind === 'sqlite') expect(order).toEqual(['orm wrote', 'orm commits', 'raw runs']);
    expect(await t.db.forInstance('spec').count(Client, { slug: 'in-tx' })).toBe(1);
    expect(await t.db.forInstance('spec').count(Brand, { slug: 'raw-c' })).toBe(1);
  });

  if (kind === 'sqlite') {
    it('runs the embedded database in WAL mode without an fsync per commit', async () => {
      const rows = await t.db.orm.em.fork().getConnection().execute('pragma journal_mode');
      expect(rows).toEqual([{ journal_mode: 'wal' }]);
      const [sync] = await t.db.orm.em.fork().getConnection().execute('pragma synchronous');
      // 1 = NORMAL.
      expect(sync).toEqual({ synchronous: 1 });
    });
  }
});
