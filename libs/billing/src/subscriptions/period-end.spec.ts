import 'reflect-metadata';
import { Client, Subscription } from '@tero/db';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { PeriodEndSweep } from './period-end';
import { type BillingHarness, STRIPE, createBillingHarness } from './testing/billing-harness';

const urls = { successUrl: 'https://bright.tero.test/billing?done=1', cancelUrl: 'https://bright.tero.test/billing' };

describe('PeriodEndSweep', () => {
  let t: TestDatabase;
  let h: BillingHarness;
  let sweep: PeriodEndSweep;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    h = createBillingHarness(t.db);
    sweep = new PeriodEndSweep({ db: t.db, resolveProvider: (ctx, id) => h.providers.forBrand(ctx, id), events: h.events, logger: pino({ level: 'silent' }), clock: h.clock.now });
  });
  afterAll(() => t.drop());

  it('ends a subscription set to cancel once its paid period is over, at the vendor and here, once', async () => {
    const b = await h.brandWithClient();
    await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls });
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].completeCheckout([...h.vendors[STRIPE].checkouts.keys()].at(-1)!));
    await h.subscriptions.cancel(b.ctx, { clientId: b.client.id, atPeriodEnd: true });
    const em = () => t.db.forTenant(b.brandCtx);
    const row = await em().findOneOrFail(Subscription, { client: b.client.id });
    expect(row.cancelAtPeriodEnd).toBe(true);

    // Before the end (and within the hour after it, when the vendor may still say so itself): nothing.
    expect(await sweep.sweep()).toMatchObject({ ended: 0 });
    h.clock.set(new Date(row.currentPeriodEnd!.getTime() + 30 * 60_000));
    expect(await sweep.sweep()).toMatchObject({ ended: 0 });

    h.clock.set(new Date(row.currentPeriodEnd!.getTime() + 2 * 3_600_000));
    const cancelsBefore = h.vendors[STRIPE].callsOf('cancel').length;
    expect(await sweep.sweep()).toMatchObject({ ended: 1, failed: 0 });
    expect(h.vendors[STRIPE].callsOf('cancel').slice(cancelsBefore)).toEqual([expect.objectContaining({ atPeriodEnd: false })]);
    expect((await em().findOneOrFail(Subscription, { id: row.id })).status).toBe('canceled');
    expect((await em().findOneOrFail(Client, { id: b.client.id })).status).toBe('canceled');
    expect((await h.subscriptions.history(b.ctx, b.client.id))[0]).toMatchObject({ to: 'canceled', cause: 'period_end' });

    expect(await sweep.sweep()).toMatchObject({ checked: 0, ended: 0 });
  });
});
