import 'reflect-metadata';
import { Brand, Call, CallEvent, CallTurn, Client } from '../entities';
import { type TestDatabase, createTestDatabase } from '../testing';
import { postgresAvailable } from '../testing/postgres-gate';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

/** Migration TranscriptKeys drops the tenant foreign keys of call_turns and call_events; a database with calls keeps them all. */
describe.each(kinds)('migration TranscriptKeys on %s', (kind) => {
  let t: TestDatabase;
  let brand: Brand;
  let kept: Client;
  let removed: Client;
  const calls: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
    await t.db.orm.migrator.up({ to: 'Migration20261127000900TextConfirmations' });
    const em = t.db.forInstance('migration test seed');
    brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    kept = em.create(Client, { brand, name: 'Kept', slug: 'kept', professionPack: 'dentist' });
    removed = em.create(Client, { brand, name: 'Removed', slug: 'removed', professionPack: 'plumber' });
    for (const client of [kept, removed]) {
      const call = em.create(Call, { brand, client, callSid: `sid-${client.slug}`, fromNumber: '+15550000001', toNumber: '+15550100100', route: 'open', startedAt: new Date('2026-03-01T10:00:00Z') });
      calls[client.slug] = call.id;
      ['Hello, how can I help?', 'I need a cleaning.'].forEach((text, seq) =>
        em.create(CallTurn, { brand, client, call, seq, speaker: seq % 2 ? 'caller' : 'agent', text, confidence: seq % 2 ? 0.9 : null, at: new Date(Date.UTC(2026, 2, 1, 10, 0, seq)), bargedIn: seq === 1 }),
      );
      em.create(CallEvent, { brand, client, call, key: 'status:completed', at: new Date('2026-03-01T10:01:00Z'), data: { duration: 60 } });
    }
    await em.flush();
    await t.db.migrate();
  });
  afterAll(() => t.drop());

  it('keeps every turn and event as it was, and leaves the schema as the entities declare it', async () => {
    expect(await t.db.pendingMigrations()).toEqual([]);
    expect(await t.db.schemaDrift()).toBe('');
    const em = t.db.forInstance('migration test');
    const turns = await em.find(CallTurn, { call: calls.kept }, { orderBy: { seq: 'asc' } });
    expect(turns.map((turn) => [turn.seq, turn.speaker, turn.text, turn.confidence ?? null, turn.bargedIn, turn.client.id, turn.brand.id])).toEqual([
      [0, 'agent', 'Hello, how can I help?', null, false, kept.id, brand.id],
      [1, 'caller', 'I need a cleaning.', expect.closeTo(0.9, 5), true, kept.id, brand.id],
    ]);
    const [event] = await em.find(CallEvent, { call: calls.kept });
    expect([event?.key, event?.data]).toEqual(['status:completed', { duration: 60 }]);
  });

  it('still refuses a turn of a call that does not exist, and keeps a turn unique per call and seq', async () => {
    const insert = (callId: string, seq: number) =>
      t.db.rawTransaction((sql) =>
        sql.run(
          kind === 'sqlite'
            ? "insert into call_turns (id, created_at, updated_at, brand_id, client_id, call_id, seq, speaker, text, at) values (?, 0, 0, ?, ?, ?, ?, 'caller', 'x', 0)"
            : "insert into call_turns (id, created_at, updated_at, brand_id, client_id, call_id, seq, speaker, text, at) values ($1, now(), now(), $2, $3, $4, $5, 'caller', 'x', now())",
          [crypto.randomUUID(), brand.id, kept.id, callId, seq],
        ),
      );
    await expect(insert(crypto.randomUUID(), 0)).rejects.toThrow(/foreign key/i);
    await expect(insert(calls.kept!, 1)).rejects.toThrow(/unique|duplicate/i);
  });

  it('deletes a client’s turns and events with its calls', async () => {
    await t.db.forInstance('migration test').nativeDelete(Client, { id: removed.id });
    const em = t.db.forInstance('migration test');
    expect(await em.count(Call, { client: removed.id })).toBe(0);
    expect(await em.count(CallTurn, { call: calls.removed })).toBe(0);
    expect(await em.count(CallEvent, { call: calls.removed })).toBe(0);
    expect(await em.count(CallTurn, { call: calls.kept })).toBe(2);
    expect(await em.count(CallEvent, { call: calls.kept })).toBe(1);
  });
});
