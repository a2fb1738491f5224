import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Brand, Call, CallEvent, CallTurn, Client, type Database } from '@tero/db';
import { capturingLogger } from '../../core/src/events/event-bus.testing';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import { CallRecordWriter } from './call-record.writer';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('CallRecordWriter on %s', (kind) => {
  let t: TestDatabase;
  let base: { brandId: string; clientId: string; callId: string };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const client = em.create(Client, { brand, name: 'Dental', slug: 'dental', professionPack: 'dentist' });
    const call = em.create(Call, { brand, client, callSid: 'c1', fromNumber: '+1', toNumber: '+2', route: 'open', startedAt: new Date() });
    await em.flush();
    base = { brandId: brand.id, clientId: client.id, callId: call.id };
  });
  afterAll(() => t.drop());

  const em = () => t.db.forInstance('spec');

  it('writes queued turns, events and call updates in one flush, each row once however often it is queued', async () => {
    const writer = new CallRecordWriter(t.db, capturingLogger().logger);
    const at = new Date('2026-03-09T15:00:00Z');
    writer.turn({ ...base, seq: 0, speaker: 'agent', text: 'Hello', at });
    writer.turn({ ...base, seq: 1, speaker: 'caller', text: 'Hi', confidence: 0.8, sttLatencyMs: 300, at });
    writer.turn({ ...base, seq: 1, speaker: 'caller', text: 'Hi (again)', at });
    writer.event({ ...base, key: 'status:completed', at, data: { duration: 3 } });
    writer.event({ ...base, key: 'status:completed', at });
    writer.update(base.callId, { status: 'in-progress' });
    writer.update(base.callId, { outcome: 'answered' });
    expect(writer.pending).toBe(6);
    await writer.flush();
    expect(writer.pending).toBe(0);
    const turns = await em().find(CallTurn, { call: base.callId }, { orderBy: { seq: 'asc' } });
    expect(turns.map((turn) => [turn.seq, turn.text, turn.confidence ?? null, turn.sttLatencyMs ?? null])).toEqual([
      [0, 'Hello', null, null],
      [1, 'Hi', 0.8, 300],
    ]);
    expect(await em().find(CallEvent, { call: base.callId })).toEqual([expect.objectContaining({ key: 'status:completed', data: { duration: 3 } })]);
    expect(await em().findOneOrFail(Call, { id: base.callId })).toMatchObject({ status: 'in-progress', outcome: 'answered' });
  });

  it('writes a flush bigger than one batch of rows (several chunks of one statement, or several transactions) whole, each row once', async () => {
    const writer = new CallRecordWriter(t.db, capturingLogger().logger);
    const at = new Date('2026-03-09T15:00:00Z');
    for (let seq = 1000; seq < 1000 + 5300; seq++) writer.turn({ ...base, seq, speaker: seq % 2 ? 'caller' : 'agent', text: `line ${seq}`, at });
    writer.turn({ ...base, seq: 1000, speaker: 'agent', text: 'a repeat of the first', at });
    await writer.flush();
    expect(writer.pending).toBe(0);
    const turns = await em().find(CallTurn, { call: base.callId, seq: { $gte: 1000 } }, { orderBy: { seq: 'asc' }, fields: ['seq', 'text'] });
    expect(turns).toHaveLength(5300);
    expect([turns[0]!.text, turns.at(-1)!.text]).toEqual(['line 1000', 'line 6299']);
    await em().nativeDelete(CallTurn, { call: base.callId, seq: { $gte: 1000 } });
    await writer.close();
  });

  it('writes a new call before its turns, and a turn that arrived before its call (another replica) once the call is there', async () => {
    const writer = new CallRecordWriter(t.db, capturingLogger().logger);
    const callId = randomUUID();
    const row = { id: callId, brandId: base.brandId, clientId: base.clientId, callSid: `c-${callId}`, direction: 'inbound', fromNumber: '+1', toNumber: '+2', callerName: null, status: 'trying', route: 'open' as const, locale: 'en', startedAt: new Date(), aiDisclosed: true, recordingConsent: null };
    writer.turn({ ...base, callId, seq: 0, speaker: 'agent', text: 'early', at: new Date() });
    writer.update(callId, { status: 'in-progress' });
    await writer.flush();
    expect(writer.pending).toBe(2);
    const other = new CallRecordWriter(t.db, capturingLogger().logger);
    other.call(row);
    other.call(row);
    await other.flush();
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(await em().findOneOrFail(Call, { id: callId })).toMatchObject({ status: 'in-progress', aiDisclosed: true, turnCount: 0 });
    expect(await em().count(CallTurn, { call: callId })).toBe(1);
  });

  it('updates many calls in one flush whatever fields each sets, and keeps an update whose call is not written yet', async () => {
    const writer = new CallRecordWriter(t.db, capturingLogger().logger);
    const started = new Date('2026-03-09T15:00:00Z');
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const call = (id: string) => ({ id, brandId: base.brandId, clientId: base.clientId, callSid: `u-${id}`, direction: 'inbound', fromNumber: '+1', toNumber: '+2', callerName: null, status: 'trying', route: 'open' as const, locale: 'en', startedAt: started, aiDisclosed: false, recordingConsent: null });
    for (const id of ids) writer.call(call(id));
    await writer.flush();
    const ended = new Date('2026-03-09T15:03:00Z');
    writer.update(ids[0]!, { status: 'completed', outcome: 'booked', endedAt: ended, durationSeconds: 180, billableSeconds: 180, turnCount: 9, bookingId: null });
    writer.update(ids[1]!, { status: 'completed', outcome: 'abandoned', endedAt: ended, durationSeconds: 5, billableSeconds: 5, turnCount: 1, bookingId: null });
    writer.update(ids[2]!, { transferTo: '+15550009999' });
    const later = randomUUID();
    writer.update(later, { status: 'in-progress' });
    await writer.flush();
    expect(writer.pending).toBe(1);
    const rows = await em().find(Call, { id: { $in: ids } }, { orderBy: { callSid: 'asc' } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(ids[0]!)).toMatchObject({ status: 'completed', outcome: 'booked', durationSeconds: 180, turnCount: 9, bookingId: null });
    expect(byId.get(ids[0]!)!.endedAt?.toISOString()).toBe(ended.toISOString());
    expect(byId.get(ids[1]!)).toMatchObject({ status: 'completed', outcome: 'abandoned', billableSeconds: 5 });
    expect(byId.get(ids[2]!)).toMatchObject({ status: 'trying', transferTo: '+15550009999', outcome: null });
    writer.call(call(later));
    await writer.flush();
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(await em().findOneOrFail(Call, { id: later })).toMatchObject({ status: 'in-progress' });
  });

  it('drops a row the database keeps refusing after its tries, and writes the others', async () => {
    const { logger, lines } = capturingLogger();
    const writer = new CallRecordWriter(t.db, logger, { maxTries: 2 });
    const at = new Date();
    writer.turn({ ...base, callId: randomUUID(), seq: 0, speaker: 'agent', text: 'orphan', at });
    writer.turn({ ...base, seq: 2, speaker: 'agent', text: 'kept', at });
    writer.update(randomUUID(), { status: 'completed' });
    await writer.flush();
    expect(writer.pending).toBe(2);
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect((await em().find(CallTurn, { text: { $in: ['orphan', 'kept'] } })).map((turn) => turn.text)).toEqual(['kept']);
    expect(lines.filter((line) => /dropped/.test(String(line.msg)))).toHaveLength(2);
  });

  it('keeps the newest rows when its queue is full, and says so once per interval rather than once per row', async () => {
    const { logger, lines } = capturingLogger();
    const writer = new CallRecordWriter(t.db, logger, { maxQueued: 3 });
    const at = new Date();
    for (let seq = 100; seq < 110; seq++) writer.turn({ ...base, seq, speaker: 'agent', text: `line ${seq}`, at });
    expect(writer.pending).toBe(3);
    expect(lines.filter((line) => /queue full/.test(String(line.msg)))).toHaveLength(1);
    await writer.flush();
    expect((await em().find(CallTurn, { call: base.callId, seq: { $gte: 100, $lt: 110 } }, { orderBy: { seq: 'asc' } })).map((turn) => turn.seq)).toEqual([107, 108, 109]);
    await writer.close();
    await em().nativeDelete(CallTurn, { call: base.callId, seq: { $gte: 100, $lt: 110 } });
  });

  it('goes on writing on the event loop when its SQLite write thread fails', async () => {
    if (kind !== 'sqlite') return;
    const writer = new CallRecordWriter(t.db, capturingLogger().logger);
    writer.turn({ ...base, seq: 20, speaker: 'agent', text: 'on the thread', at: new Date() });
    await writer.flush();
    const thread = (writer as unknown as { thread: { worker: { terminate(): Promise<number> } } | null }).thread;
    expect(thread).not.toBeNull();
    await thread!.worker.terminate();
    writer.turn({ ...base, seq: 21, speaker: 'agent', text: 'on the loop', at: new Date() });
    await writer.flush();
    expect(writer.pending).toBe(0);
    const turns = await em().find(CallTurn, { call: base.callId, seq: { $gte: 20 } }, { orderBy: { seq: 'asc' } });
    expect(turns.map((turn) => turn.text)).toEqual(['on the thread', 'on the loop']);
    await writer.close();
  });

  it('keeps everything for the next flush while the database is unreachable', async () => {
    const down = () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    };
    const unreachable = {
      orm: t.db.orm,
      rawTransaction: async () => down(),
      isConstraintViolation: () => false,
    } as unknown as Database;
    const writer = new CallRecordWriter(unreachable, capturingLogger().logger);
    writer.turn({ ...base, seq: 9, speaker: 'agent', text: 'later', at: new Date() });
    writer.event({ ...base, key: 'status:ringing', at: new Date() });
    writer.update(base.callId, { status: 'completed' });
    await writer.flush();
    expect(writer.pending).toBe(3);
  });
});
