import type { SqlEntityManager } from '@mikro-orm/sql';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Brand } from './entities';
import { createTestDatabase, type TestDatabase } from './testing';

describe('the SQLite dialect', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('begins ORM transactions immediate, so one that reads and then writes is not refused because another connection committed in between', async () => {
    const other = new DatabaseSync(join(t.dataDir, 'tero.sqlite'));
    other.exec('pragma busy_timeout = 0');
    const em = t.db.forInstance('dialect spec');
    let otherWrite: 'committed' | 'waited' = 'committed';
    try {
      const found = await em.transactional(async (tx) => {
        const count = await tx.count(Brand, {});
        // Another connection writes while this transaction is open: with the lock taken at `begin`, it must
        // wait (here it gives up at once); with a deferred begin it would commit and this write would fail.
        try {
          other.exec("create table if not exists dialect_probe (id integer); insert into dialect_probe values (1)");
        } catch (error) {
          if (!/locked|busy/i.test(String(error))) throw error;
          otherWrite = 'waited';
        }
        await (tx as unknown as SqlEntityManager).execute('create table if not exists dialect_probe_own (id integer)');
        return count;
      });
      expect(typeof found).toBe('number');
      expect(otherWrite).toBe('waited');
    } finally {
      other.close();
    }
  });
});
