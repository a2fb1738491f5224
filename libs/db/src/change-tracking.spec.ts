import 'reflect-metadata';
import type { EntityManager, EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import type { TenantContext } from '@tero/sdk';
import { Brand, Client, Plan, Subscription } from './entities';
import { type TestDatabase, createTestDatabase } from './testing';
import { postgresAvailable } from './testing/postgres-gate';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

/** Long before any test runs: a flush that writes a row would move `updatedAt` off it. */
const SEEDED_AT = new Date('2020-01-02T03:04:05.678Z');

/** Records the change sets of every flush of the ORM, whichever EntityManager flushes. */
class FlushRecorder implements EventSubscriber {
  readonly flushed: { type: string; entity: string; payload: Record<string, unknown> }[] = [];
  onFlush(args: FlushEventArgs): void {
    for (const change of args.uow.getChangeSets()) {
      this.flushed.push({ type: change.type, entity: change.meta.className, payload: { ...change.payload } });
    }
  }
}

/** The change sets a flush of `em` would write now. */
function pendingChanges(em: EntityManager) {
  const uow = em.getUnitOfWork();
  uow.computeChangeSets();
  return uow.getChangeSets().map((c) => ({ type: c.type, entity: c.meta.className, payload: c.payload }));
}

describe.each(kinds)('change tracking on %s', (kind) => {
  let t: TestDatabase;
  const recorder = new FlushRecorder();
  let brand: Brand;
  let client: Client;
  let plan: Plan;
  let subscription: Subscription;
  const ctx = (clientId: string | null): TenantContext => ({ brandId: brand.id, clientId, locale: 'en' });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('change tracking seed');
    const at = { createdAt: SEEDED_AT, updatedAt: SEEDED_AT };
    brand = em.create(Brand, {
      ...at,
      name: 'Brand',
      slug: 'tracked',
      supportEmail: 's@tracked.test',
      senderEmail: 'n@tracked.test',
      domains: ['tracked.example.com', 'b.example.com'],
      themeTokens: { colorPrimary: '#0d9488', accent: 'é', a: '1' },
      billingSettings: { tax: { rate: 0.2, inclusive: false }, prefix: 'INV', dunning: [3, 7, 14] },
    });
    client = em.create(Client, { ...at, brand, name: 'Client', slug: 'c', professionPack: 'dentist' });
    plan = em.create(Plan, {
      ...at,
      brand,
      code: 'starter',
      name: 'Starter',
      monthlyMinor: 1900,
      annualMinor: 19000,
      includedMinutes: 100,
      overageMinorPerMinute: 9,
      features: ['reports', 'api_access'],
      active: false,
    });
    subscription = em.create(Subscription, {
      ...at,
      brand,
      client,
      plan,
      provider: 'stripe',
      amountMinor: 1900,
      currency: 'USD',
      status: 'active',
      currentPeriodStart: new Date('2026-03-01T00:00:00.001Z'),
      currentPeriodEnd: new Date('2026-04-01T00:00:00.999Z'),
      cancelAtPeriodEnd: true,
      trialEndsAt: null,
    });
    await em.flush();
    t.db.orm.em.getEventManager().registerSubscriber(recorder);
  });
  afterAll(() => t.drop());
  beforeEach(() => recorder.flushed.splice(0));

  /** Reads each seeded entity afresh into `em`. */
  const readAll = (em: EntityManager) =>
    Promise.all([
      em.findOneOrFail(Brand, { id: brand.id }),
      em.findOneOrFail(Client, { id: client.id }),
      em.findOneOrFail(Plan, { id: plan.id }),
      em.findOneOrFail(Subscription, { id: subscription.id }),
    ]);

  it('sees nothing changed in entities just read (dates, JSON, booleans, nulls), and their flush writes nothing', async () => {
    const em = t.db.forInstance('change tracking read');
    const [b, , p, s] = await readAll(em);
    expect(b.createdAt).toEqual(SEEDED_AT);
    expect(b.themeTokens).toEqual({ colorPrimary: '#0d9488', accent: 'é', a: '1' });
    expect(p.active).toBe(false);
    expect(s.cancelAtPeriodEnd).toBe(true);
    expect(s.trialEndsAt).toBeNull();

    expect(pendingChanges(em)).toEqual([]);
    await em.flush();
    expect(recorder.flushed).toEqual([]);
    const again = await readAll(t.db.forInstance('change tracking check'));
    expect(again.map((e) => e.updatedAt)).toEqual([SEEDED_AT, SEEDED_AT, SEEDED_AT, SEEDED_AT]);
  });

  it('sees nothing changed in entities loaded through a relation', async () => {
    const em = t.db.forInstance('change tracking populate');
    const s = await em.findOneOrFail(Subscription, { id: subscription.id }, { populate: ['brand', 'client', 'plan'] });
    expect(s.plan.features).toEqual(['reports', 'api_access']);
    expect(pendingChanges(em)).toEqual([]);
  });

  it('lets a client flush after reading its brand’s shared plan, without writing it', async () => {
    const em = t.db.forTenant(ctx(client.id));
    const p = await em.findOneOrFail(Plan, { id: plan.id });
    const s = await em.findOneOrFail(Subscription, { id: subscription.id });
    expect(p.code).toBe('starter');
    await em.flush();
    expect(recorder.flushed).toEqual([]);

    s.providerCustomerId = 'cus_1';
    await em.flush();
    expect(recorder.flushed).toEqual([{ type: 'update', entity: 'Subscription', payload: { providerCustomerId: 'cus_1', updatedAt: expect.anything() } }]);
  });

  it('writes only what changed (and updatedAt): a date, a JSON value, a boolean', async () => {
    const em = t.db.forInstance('change tracking write');
    const [b, , p, s] = await readAll(em);
    const end = new Date('2026-05-01T00:00:00.123Z');
    b.themeTokens = { ...b.themeTokens, colorPrimary: '#000000' };
    p.active = true;
    s.currentPeriodEnd = end;
    expect(pendingChanges(em).map((c) => [c.entity, Object.keys(c.payload).sort()])).toEqual([
      ['Brand', ['themeTokens', 'updatedAt']],
      ['Plan', ['active', 'updatedAt']],
      ['Subscription', ['currentPeriodEnd', 'updatedAt']],
    ]);
    await em.flush();
    expect(recorder.flushed.map((c) => c.entity).sort()).toEqual(['Brand', 'Plan', 'Subscription']);

    const [b2, , p2, s2] = await readAll(t.db.forInstance('change tracking reread'));
    expect(b2.themeTokens.colorPrimary).toBe('#000000');
    expect(p2.active).toBe(true);
    expect(s2.currentPeriodEnd).toEqual(end);
    expect(s2.updatedAt.getTime()).toBeGreaterThan(SEEDED_AT.getTime());
  });
});
