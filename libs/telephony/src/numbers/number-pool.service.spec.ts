import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { Brand, Client, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { ImportRefusedError } from './numbers.errors';
import { NUMBER_TRANSITIONS, NumberPool, canTransition } from './number-pool.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe('number transitions', () => {
  it('follow available → reserved → assigned → released → quarantined → available, and nothing else', () => {
    expect(canTransition('available', 'reserved')).toBe(true);
    expect(canTransition('reserved', 'assigned')).toBe(true);
    expect(canTransition('assigned', 'released')).toBe(true);
    expect(canTransition('released', 'quarantined')).toBe(true);
    expect(canTransition('quarantined', 'available')).toBe(true);
    expect(canTransition('assigned', 'available')).toBe(false);
    expect(canTransition('released', 'assigned')).toBe(false);
    expect(canTransition('available', 'quarantined')).toBe(false);
    expect(Object.keys(NUMBER_TRANSITIONS).sort()).toEqual(['assigned', 'available', 'quarantined', 'released', 'reserved']);
  });
});

describe.each(kinds)('number pool on %s', (kind) => {
  let t: TestDatabase;
  let pool: NumberPool;
  let now = new Date('2026-03-01T12:00:00Z');
  const changes: string[] = [];
  let brandA: TenantContext;
  let brandB: TenantContext;
  let dental: string;
  let plumber: string;
  let otherBrandClient: string;

  const rowOf = (number: string) => t.db.forInstance('spec').findOneOrFail(PhoneNumber, { number });
  const count = () => t.db.forInstance('spec').count(PhoneNumber, {});

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const a = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const b = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const c1 = em.create(Client, { brand: a, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'America/New_York' });
    const c2 = em.create(Client, { brand: a, name: 'Plumber', slug: 'plumber', professionPack: 'plumber', timezone: 'America/New_York' });
    const c3 = em.create(Client, { brand: b, name: 'Salon', slug: 'salon', professionPack: 'salon', timezone: 'Europe/Paris' });
    await em.flush();
    brandA = { brandId: a.id, clientId: null, locale: 'en' };
    brandB = { brandId: b.id, clientId: null, locale: 'en' };
    dental = c1.id;
    plumber = c2.id;
    otherBrandClient = c3.id;
    pool = new NumberPool(t.db, { quarantineDays: 30, clock: () => now, onChange: (ctx) => changes.push(ctx.brandId) });
  });
  afterAll(() => t.drop());

  it('imports one number as available, with its country; no jambonz connection: nothing to sync', async () => {
    const added = await pool.importOne(brandA, { number: '+1 (555) 010-0101', label: 'Front desk', carrierSid: 'carrier-1' });
    expect(added).toMatchObject({ number: '+15550100101', state: 'available', country: 'US', label: 'Front desk', carrierSid: 'carrier-1', clientId: null, syncState: null });
    expect(added.stateChangedAt?.getTime()).toBe(now.getTime());
  });

  it('refuses a malformed or duplicate number with the field, adding nothing', async () => {
    const before = await count();
    await expect(pool.importOne(brandA, { number: '555-0100' })).rejects.toMatchObject({ problems: [{ field: 'number', reason: expect.stringMatching(/E\.164/) }] });
    await expect(pool.importOne(brandA, { number: '+15550100101' })).rejects.toMatchObject({ problems: [{ field: 'number', reason: expect.stringContaining("already in this brand's pool") }] });
    await expect(pool.importOne(brandB, { number: '+15550100101' })).rejects.toMatchObject({ problems: [{ field: 'number', reason: expect.stringContaining('already managed on this instance') }] });
    await expect(pool.importOne(brandA, { number: '+15550100109', carrierSid: 'no spaces' })).rejects.toMatchObject({ problems: [{ field: 'carrierSid' }] });
    expect(await count()).toBe(before);
  });

  it('imports a CSV all or nothing: every bad row is reported by row and field, and nothing goes in', async () => {
    const before = await count();
    const csv = [
      'number,country,carrier_sid,label',
      '+15550100102,US,,A',
      '+1555010010,US,,too short',
      '+15550100102,,,twice in the file',
      '+15550100101,,,already in the pool',
      '+34912345678,FR,,wrong country',
      '+34912345679,ES,bad sid!,',
    ].join('\n');
    const refused = await pool.importCsv(brandA, csv).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ImportRefusedError);
    expect((refused as ImportRefusedError).problems).toEqual([
      { row: 3, field: 'number', reason: expect.stringContaining('10 digits') },
      { row: 4, field: 'number', reason: expect.stringContaining('row 2') },
      { row: 5, field: 'number', reason: expect.stringContaining("already in this brand's pool") },
      { row: 6, field: 'number', reason: expect.stringContaining('not of FR') },
      { row: 7, field: 'carrier_sid', reason: expect.any(String) },
    ]);
    expect(await count()).toBe(before);
    // Asked to skip bad rows: the good one goes in, the others are reported.
    const report = await pool.importCsv(brandA, csv, { skipInvalid: true });
    expect(report).toMatchObject({ total: 6, imported: 1 });
    expect(report.problems).toHaveLength(5);
    expect((await rowOf('+15550100102')).state).toBe('available');
  });

  it('imports a big file in chunks with progress', async () => {
    const lines = ['number,label'];
    for (let i = 0; i < 1200; i++) lines.push(`+1212555${String(1000 + i).padStart(4, '0')},bulk`);
    const progress: number[] = [];
    const report = await pool.importCsv(brandA, lines.join('\n'), { onProgress: (done) => void progress.push(done) });
    expect(report).toEqual({ total: 1200, imported: 1200, problems: [] });
    expect(progress).toEqual([500, 1000, 1200]);
  });

  it('searches available numbers by country, area code and pattern, paginated, in its own brand only', async () => {
    await pool.importCsv(brandA, 'number\n+34912345678\n+34612345678\n+33123456789\n+15550100177');
    const byArea = await pool.search(brandA, { country: 'US', areaCode: '555', pageSize: 2 });
    expect(byArea.total).toBe(3);
    expect(byArea.items.map((n) => n.number)).toEqual(['+15550100101', '+15550100102']);
    expect((await pool.search(brandA, { country: 'US', areaCode: '555', pageSize: 2, page: 2 })).items.map((n) => n.number)).toEqual(['+15550100177']);
    expect((await pool.search(brandA, { country: 'ES', areaCode: '91' })).items.map((n) => n.number)).toEqual(['+34912345678']);
    expect((await pool.search(brandA, { pattern: '*0177' })).items.map((n) => n.number)).toEqual(['+15550100177']);
    expect((await pool.search(brandA, { pattern: '*77', pageSize: 5 })).total).toBe(13);
    expect((await pool.search(brandA, { pattern: '+3?*' })).items.map((n) => n.number)).toEqual(['+33123456789', '+34612345678', '+34912345678']);
    expect((await pool.search(brandA, { pattern: '*1?345678' })).items.map((n) => n.number)).toEqual(['+34612345678', '+34912345678']);
    expect((await pool.search(brandA, { country: 'FR' })).total).toBe(1);
    expect((await pool.search(brandB, {})).total).toBe(0);
    await expect(pool.search(brandA, { pattern: "%' or 1=1" })).rejects.toBeInstanceOf(ValidationError);
  });

  it('assigns a number to one client; the same request again is the same answer; another client is refused', async () => {
    const id = (await rowOf('+15550100101')).id;
    const assigned = await pool.assign(brandA, dental, { numberId: id });
    expect(assigned).toMatchObject({ state: 'assigned', clientId: dental, clientName: 'Dental' });
    expect((await pool.assign(brandA, dental, { numberId: id })).clientId).toBe(dental);
    await expect(pool.assign(brandA, plumber, { numberId: id })).rejects.toMatchObject({ code: 'numbers.taken', options: { status: 409 } });
    expect((await rowOf('+15550100101')).client?.id).toBe(dental);
    // Not found for another brand, or for a client of another brand.
    await expect(pool.assign(brandB, otherBrandClient, { numberId: id })).rejects.toMatchObject({ code: 'numbers.not_found' });
    await expect(pool.assign(brandA, otherBrandClient, { numberId: id })).rejects.toMatchObject({ code: 'numbers.client_not_found' });
    // A client's own context acts for that client only, and sees only its numbers.
    await expect(pool.assign({ ...brandA, clientId: plumber }, dental, { search: {} })).rejects.toMatchObject({ code: 'numbers.client_not_found' });
    expect((await pool.ofClient({ ...brandA, clientId: dental }, dental)).map((n) => n.number)).toEqual(['+15550100101']);
    await expect(pool.get({ ...brandA, clientId: plumber }, id)).rejects.toMatchObject({ code: 'numbers.not_found' });
  });

  it('assigns the next free number matching a search, and says when none is left', async () => {
    const taken = await pool.assign(brandA, plumber, { search: { country: 'FR' } });
    expect(taken).toMatchObject({ number: '+33123456789', clientId: plumber, state: 'assigned' });
    await expect(pool.assign(brandA, plumber, { search: { country: 'FR' } })).rejects.toMatchObject({ code: 'numbers.none_available' });
  });

  it('reserves for a client: others cannot take it, the client can; an expired reservation is swept back', async () => {
    const reserved = await pool.reserve(brandA, { search: { country: 'ES', areaCode: '91' } }, dental, 60);
    expect(reserved).toMatchObject({ number: '+34912345678', state: 'reserved', clientId: dental });
    expect(reserved.reservedUntil?.getTime()).toBe(now.getTime() + 3_600_000);
    await expect(pool.assign(brandA, plumber, { numberId: reserved.id })).rejects.toMatchObject({ code: 'numbers.taken' });
    // The client's search finds its reservation first.
    expect((await pool.assign(brandA, dental, { search: { country: 'ES' } })).id).toBe(reserved.id);

    const other = await pool.reserve(brandA, { search: { pattern: '+346*' } }, plumber, 30);
    await expect(pool.reserve(brandA, { numberId: other.id }, dental, 0)).rejects.toMatchObject({ problems: [{ field: 'ttlMinutes' }] });
    now = new Date(now.getTime() + 31 * 60_000);
    // Expired: anyone may take it now, and the sweep makes it available.
    expect(await pool.sweep()).toEqual({ reservationsExpired: 1, quarantined: 0, recycled: 0 });
    expect(await pool.sweep()).toEqual({ reservationsExpired: 0, quarantined: 0, recycled: 0 });
    expect(await rowOf('+34612345678')).toMatchObject({ state: 'available', client: null, reservedUntil: null });
  });

  it('releases into quarantine: routing stops, no one else may have it, its client may take it back, then it is recycled', async () => {
    const id = (await rowOf('+15550100101')).id;
    changes.length = 0;
    const released = await pool.release(brandA, id);
    expect(released).toMatchObject({ state: 'quarantined', clientId: null, previousClientId: dental });
    expect(released.quarantinedUntil?.getTime()).toBe(now.getTime() + 30 * 86_400_000);
    expect(changes).toEqual([brandA.brandId]);
    // Twice: the same.
    expect((await pool.release(brandA, id)).state).toBe('quarantined');
    await expect(pool.assign(brandA, plumber, { numberId: id })).rejects.toMatchObject({ code: 'numbers.transition_refused' });
    expect((await pool.search(brandA, { pattern: '+15550100101' })).total).toBe(0);
    // The same client comes back within the quarantine: it gets its number again.
    expect(await pool.assign(brandA, dental, { numberId: id })).toMatchObject({ state: 'assigned', clientId: dental, previousClientId: null });
    await pool.release(brandA, id);
    now = new Date(now.getTime() + 29 * 86_400_000);
    expect((await pool.sweep()).recycled).toBe(0);
    now = new Date(now.getTime() + 2 * 86_400_000);
    expect((await pool.sweep()).recycled).toBe(1);
    expect(await rowOf('+15550100101')).toMatchObject({ state: 'available', previousClientId: null, quarantinedUntil: null });
    await expect(pool.release(brandA, id)).rejects.toMatchObject({ code: 'numbers.transition_refused' });
  });

  it('releases every number of a client that leaves', async () => {
    await pool.assign(brandA, dental, { search: { pattern: '+1212555100?' } });
    await pool.reserve(brandA, { search: { pattern: '+121255510??' } }, dental, 60);
    const held = await pool.ofClient(brandA, dental);
    expect(held.length).toBe(3);
    expect(await pool.releaseAllOf(brandA, dental)).toBe(3);
    expect(await pool.ofClient(brandA, dental)).toEqual([]);
    expect(await pool.releaseAllOf(brandA, dental)).toBe(0);
  });

  it('marks every change pending for the reconciler once the brand has a jambonz connection', async () => {
    const em = t.db.forInstance('spec');
    em.create(JambonzConnection, { brand: em.getReference(Brand, brandA.brandId), baseUrl: 'http://jambonz.test/api', accountSid: 'acct', encryptedApiKey: 'x' });
    await em.flush();
    const added = await pool.importOne(brandA, { number: '+15550100188' });
    expect(added.syncState).toBe('pending');
    await t.db.forInstance('spec').nativeUpdate(PhoneNumber, { id: added.id }, { syncState: 'synced' });
    expect((await pool.assign(brandA, plumber, { numberId: added.id })).syncState).toBe('pending');
    await t.db.forInstance('spec').nativeUpdate(PhoneNumber, { id: added.id }, { syncState: 'error', syncError: 'jambonz said 400' });
    expect(await pool.release(brandA, added.id)).toMatchObject({ syncState: 'pending', syncError: null });
  });

  it('refuses a number of another brand in every move', async () => {
    const id = (await rowOf('+15550100188')).id;
    await expect(pool.release(brandB, id)).rejects.toMatchObject({ code: 'numbers.not_found' });
    await expect(pool.get(brandB, id)).rejects.toMatchObject({ code: 'numbers.not_found' });
    await expect(pool.reserve(brandB, { numberId: id }, otherBrandClient, 10)).rejects.toMatchObject({ code: 'numbers.not_found' });
    expect((await pool.list(brandB)).total).toBe(0);
    expect((await pool.list(brandA, { state: 'quarantined' })).items.map((n) => n.number)).toContain('+15550100188');
  });

  it('takes a ported number in as its client\'s, and never from another client', async () => {
    const ported = await pool.adoptPorted(brandA, plumber, { number: '+15550100190' });
    expect(ported).toMatchObject({ state: 'assigned', clientId: plumber, country: 'US' });
    expect((await pool.adoptPorted(brandA, plumber, { number: '+15550100190' })).id).toBe(ported.id);
    await expect(pool.adoptPorted(brandA, dental, { number: '+15550100190' })).rejects.toMatchObject({ code: 'numbers.taken' });
    await expect(pool.adoptPorted(brandB, otherBrandClient, { number: '+15550100190' })).rejects.toMatchObject({ code: 'numbers.taken' });
  });
});
