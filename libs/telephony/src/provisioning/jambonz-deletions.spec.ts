import 'reflect-metadata';
import { JambonzConnection, PhoneNumber } from '@tero/db';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { NumberPool } from '../numbers/number-pool.service';
import { FakeJambonzServer } from '../testing';
import { editNumbersToDelete } from './jambonz-deletions';
import { type ProvisioningWorld, provisioningWorld } from './provisioning-world.testing';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('deleting numbers and removing the connection, against the fake jambonz, on %s', (kind) => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let w: ProvisioningWorld;
  let pool: NumberPool;
  const clock = () => new Date('2026-04-01T09:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    fake = await FakeJambonzServer.start();
  });
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });
  beforeEach(async () => {
    fake.clearFaults();
    w = await provisioningWorld(t.db, fake, { clock, timeoutMs: 300 });
    pool = new NumberPool(t.db, { quarantineDays: 30, clock });
  });

  const connection = () => t.db.forTenant(w.ctx).findOne(JambonzConnection, { brand: w.brand.id });

  it('deletes an available or quarantined number from the pool and, through the next pass, from jambonz; never an assigned one', async () => {
    const kept = await w.addNumber('+15550300001', 'assigned', w.dental);
    const spare = await w.addNumber('+15550300002', 'assigned', w.plumber);
    await w.reconciler.reconcileBrand(w.brand.id);
    expect(fake.phoneNumber('+15550300002')).toBeDefined();

    // Assigned: refused, nothing changes.
    await expect(pool.deleteNumber(w.ctx, kept.id)).rejects.toMatchObject({ code: 'numbers.transition_refused' });
    await pool.release(w.ctx, spare.id);
    await w.reconciler.reconcileBrand(w.brand.id);

    const deleted = await pool.deleteNumber(w.ctx, spare.id);
    expect(deleted).toMatchObject({ number: '+15550300002', state: 'quarantined' });
    expect(await t.db.forTenant(w.ctx).count(PhoneNumber, { id: spare.id })).toBe(0);
    expect((await connection())!.numbersToDelete).toEqual(['+15550300002']);
    // Gone twice is not found.
    await expect(pool.deleteNumber(w.ctx, spare.id)).rejects.toMatchObject({ code: 'numbers.not_found' });
    // A client's own context cannot delete.
    await expect(pool.deleteNumber({ ...w.ctx, clientId: w.dental.id }, kept.id)).rejects.toMatchObject({ code: 'numbers.not_found' });

    const report = await w.reconciler.reconcileBrand(w.brand.id);
    expect(report).toMatchObject({ ok: true, numbers: { deleted: 1 } });
    expect(fake.phoneNumber('+15550300002')).toBeUndefined();
    expect(fake.phoneNumber('+15550300001')).toBeDefined();
    expect((await connection())!.numbersToDelete ?? []).toEqual([]);
  });

  it('keeps a deletion jambonz fails for the next pass, and leaves alone a number imported again meanwhile', async () => {
    const a = await w.addNumber('+15550300011', 'assigned', w.dental);
    const b = await w.addNumber('+15550300012', 'assigned', w.dental);
    await w.reconciler.reconcileBrand(w.brand.id);
    for (const n of [a, b]) await pool.release(w.ctx, n.id);
    await pool.deleteNumber(w.ctx, a.id);
    await pool.deleteNumber(w.ctx, b.id);
    // b comes back into the pool before the pass: jambonz keeps it.
    await w.addNumber('+15550300012', 'available');

    fake.failNext(1, 503, { method: 'DELETE' });
    const failed = await w.reconciler.reconcileBrand(w.brand.id);
    expect(failed.ok).toBe(false);
    expect(fake.phoneNumber('+15550300011')).toBeDefined();
    expect((await connection())!.numbersToDelete).toEqual(expect.arrayContaining(['+15550300011']));

    const retried = await w.reconciler.reconcileBrand(w.brand.id, { force: true });
    expect(retried).toMatchObject({ ok: true, numbers: { deleted: 1 } });
    expect(fake.phoneNumber('+15550300011')).toBeUndefined();
    expect(fake.phoneNumber('+15550300012')).toBeDefined();
    expect((await connection())!.numbersToDelete ?? []).toEqual([]);
  });

  it('loses no edit of the list when several are made at once', async () => {
    const em = () => t.db.forTenant(w.ctx);
    await Promise.all(Array.from({ length: 8 }, (_, i) => editNumbersToDelete(em(), w.brand.id, (numbers) => [...numbers, `+1555040000${i}`])));
    expect([...((await connection())!.numbersToDelete ?? [])].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `+1555040000${i}`));
  });

  it('removing the connection unpoints the brand\'s numbers in jambonz (they stay there) and deletes our application', async () => {
    await w.addNumber('+15550300021', 'assigned', w.dental);
    const { applicationSid } = await w.reconciler.reconcileBrand(w.brand.id);
    expect(fake.phoneNumber('+15550300021')!.application_sid).toBe(applicationSid);

    const report = await w.reconciler.disconnect(w.brand.id);
    expect(report).toMatchObject({ numbersUnpointed: 1, applicationDeleted: true, left: null });
    expect(fake.phoneNumber('+15550300021')).toMatchObject({ application_sid: null });
    expect(fake.applications(w.accountSid)).toEqual([]);
    expect(await connection()).toBeNull();
    expect(await w.numberRow('+15550300021')).toMatchObject({ state: 'assigned', syncState: null, jambonzSid: null });
    await expect(w.reconciler.disconnect(w.brand.id)).rejects.toMatchObject({ code: 'jambonz.not_connected' });
  });

  it('removes the connection even when jambonz does not answer, and says what was left there', async () => {
    await w.addNumber('+15550300031', 'assigned', w.dental);
    const { applicationSid } = await w.reconciler.reconcileBrand(w.brand.id);
    fake.failNext(5, 503);
    const report = await w.reconciler.disconnect(w.brand.id);
    expect(report.applicationDeleted).toBe(false);
    expect(report.left).toMatch(/503/);
    expect(await connection()).toBeNull();
    expect(fake.application(applicationSid!)).toBeDefined();
  });
});
