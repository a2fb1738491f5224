import 'reflect-metadata';
import { BillingNotice, Subscription, SubscriptionTransition } from '@tero/db';
import type { PaymentProvider, TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { InMemoryPaymentProvider } from '../invoices/testing/in-memory-payment-provider';
import { type SeededClient, TestClock, addCall, seedBillingClient, silentLogger, testI18n, testMail } from '../invoices/testing/billing-fixtures';
import { OVERAGE_CHARGED, OverageBilling, overageChargeKey, parseOverageChargeKey } from './overage-billing';
import { USAGE_SWEEP_JOB, usageSweepJob } from './usage.jobs';
import { QuotaService } from './quota.service';

const START = new Date('2026-03-01T10:00:00Z');
const END = new Date('2026-04-01T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('overage billing', () => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let clock: TestClock;
  let mail: Awaited<ReturnType<typeof testMail>>;
  let vendors: Record<string, InMemoryPaymentProvider>;
  let resolved: { ctx: TenantContext; pluginId: string }[];
  let overage: OverageBilling;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    i18n = await testI18n();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    clock = new TestClock(new Date(START.getTime() + 10 * DAY));
    mail = await testMail(i18n, t.db, clock.now);
    vendors = { 'payment-test': new InMemoryPaymentProvider(), 'payment-other': new InMemoryPaymentProvider() };
    resolved = [];
    const resolve = async (ctx: TenantContext, pluginId: string): Promise<PaymentProvider> => {
      resolved.push({ ctx, pluginId });
      return vendors[pluginId]!;
    };
    overage = new OverageBilling(t.db, mail.notices, resolve, { i18n, logger: silentLogger, clock: clock.now });
  });
  afterEach(() => mail.close());

  /** 100 minutes included, 10 cents a minute beyond, 10 % tax. */
  const seed = (options: Parameters<typeof seedBillingClient>[1] = {}) =>
    seedBillingClient(t.db, { billingSettings: { taxRateBps: 1000 }, ...options, plan: { includedMinutes: 100, overageMinorPerMinute: 10, ...options.plan } });
  const chargesOf = (c: SeededClient, vendor = 'payment-test') => vendors[vendor]!.calls.filter((call) => call.chargeKey.includes(c.subscription.id));

  it('charges the minutes beyond the included ones once the period ended and settled, tax included, once', async () => {
    const c = await seed();
    await addCall(t.db, c, new Date(START.getTime() + DAY), 130 * 60 + 1); // 131 minutes: 31 beyond
    await addCall(t.db, c, new Date(END.getTime() - 60_000), 0); // a test call at the very end
    clock.set(new Date(END.getTime() + 30 * 60_000));
    await overage.sweep();
    expect(chargesOf(c)).toEqual([]); // the last calls of the period may still be writing

    clock.set(new Date(END.getTime() + HOUR + 60_000));
    const { charged } = await overage.sweep();
    const chargeKey = `usage:${c.subscription.id}:2026-03-01T10:00:00.000Z`;
    expect(charged.filter((x) => x.subscriptionId === c.subscription.id)).toEqual([
      expect.objectContaining({ chargeKey, minutes: 31, netMinor: 310, taxMinor: 31, amountMinor: 341, currency: 'USD', result: expect.objectContaining({ status: 'succeeded' }) }),
    ]);
    expect(chargesOf(c)).toEqual([
      {
        providerSubscriptionId: c.subscription.providerSubscriptionId,
        providerCustomerId: c.subscription.providerCustomerId,
        amountMinor: 341,
        currency: 'USD',
        description: `${c.brand.name}: 31 extra minutes (Mar 1, 2026 – Apr 1, 2026)`,
        chargeKey,
        reference: c.subscription.id,
      },
    ]);
    expect(resolved.at(-1)).toEqual({ ctx: expect.objectContaining({ brandId: c.brand.id, clientId: c.client.id }), pluginId: 'payment-test' });

    clock.advanceDays(1);
    await overage.sweep();
    expect(chargesOf(c)).toHaveLength(1);
    expect(await t.db.forTenant(c.ctx).count(BillingNotice, { client: c.client.id, kind: OVERAGE_CHARGED, key: chargeKey })).toBe(1);
  });

  it('a vendor that cannot be reached is tried again at the next sweep, and the charge happens once', async () => {
    const c = await seed();
    await addCall(t.db, c, new Date(START.getTime() + DAY), 110 * 60);
    clock.set(new Date(END.getTime() + 2 * HOUR));
    vendors['payment-test']!.failNext();
    const first = await overage.chargeEndedPeriods(c.ctx, c.subscription.id).catch((error: unknown) => error);
    expect(first).toMatchObject({ code: 'payment.unavailable' });
    expect(await t.db.forTenant(c.ctx).count(BillingNotice, { client: c.client.id, kind: OVERAGE_CHARGED })).toBe(0);
    clock.advanceHours(1);
    expect((await overage.chargeEndedPeriods(c.ctx, c.subscription.id)).map((x) => x.amountMinor)).toEqual([110]);
    expect(chargesOf(c)).toHaveLength(2);
    expect(vendors['payment-test']!.charges.get(overageChargeKey(c.subscription.id, START))?.input.amountMinor).toBe(110);
  });

  it('charges nothing within the included minutes, nor under a plan that stops at its quota', async () => {
    const within = await seed();
    await addCall(t.db, within, new Date(START.getTime() + DAY), 100 * 60);
    const voicemail = await seed({ plan: { overQuota: 'voicemail' } });
    await addCall(t.db, voicemail, new Date(START.getTime() + DAY), 300 * 60);
    clock.set(new Date(END.getTime() + 2 * HOUR));
    await overage.sweep();
    expect(chargesOf(within)).toEqual([]);
    expect(chargesOf(voicemail)).toEqual([]);
  });

  it('a sweep that did not run for months catches up on the last three ended periods, oldest first, not before the subscription began', async () => {
    const c = await seed();
    await addCall(t.db, c, new Date(START.getTime() - 5 * DAY), 500 * 60); // before the subscription: not its usage
    await addCall(t.db, c, new Date(START.getTime() + DAY), 120 * 60); // March: 20 beyond
    await addCall(t.db, c, new Date(END.getTime() + DAY), 101 * 60); // April: 1 beyond
    // The vendor renewed twice meanwhile.
    const em = t.db.forTenant(c.ctx);
    const sub = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    sub.currentPeriodStart = new Date('2026-05-01T10:00:00Z');
    sub.currentPeriodEnd = new Date('2026-06-01T10:00:00Z');
    await em.flush();
    clock.set(new Date('2026-06-05T00:00:00Z'));
    const charges = await overage.chargeEndedPeriods(c.ctx, c.subscription.id);
    expect(charges.map((x) => [x.period.start.toISOString(), x.minutes, x.amountMinor])).toEqual([
      ['2026-03-01T10:00:00.000Z', 20, 220],
      ['2026-04-01T10:00:00.000Z', 1, 11],
    ]);
  });

  it('after a switch of provider, the old subscription’s last period is charged through the one that replaced it', async () => {
    const c = await seed({ subscription: { status: 'canceled' } });
    await addCall(t.db, c, new Date(END.getTime() - DAY), 150 * 60);
    const em = t.db.forInstance('test: the replacing subscription');
    const old = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    old.canceledAt = END;
    const replacement = em.create(Subscription, {
      brand: c.brand.id,
      client: c.client.id,
      plan: c.plan.id,
      status: 'active',
      provider: 'payment-other',
      providerSubscriptionId: 'I-PAYPAL-1',
      amountMinor: 49900,
      currency: 'USD',
      currentPeriodStart: END,
      currentPeriodEnd: new Date('2026-05-01T10:00:00Z'),
      startsAt: END,
      replacesId: old.id,
    });
    em.create(SubscriptionTransition, { brand: c.brand.id, client: c.client.id, subscription: replacement, fromStatus: 'incomplete', toStatus: 'active', cause: 'switch', at: END });
    await em.flush();
    clock.set(new Date(END.getTime() + 2 * HOUR));
    await overage.sweep();
    expect(chargesOf(c, 'payment-test')).toEqual([]);
    expect(chargesOf(c, 'payment-other')).toEqual([
      expect.objectContaining({ chargeKey: overageChargeKey(old.id, START), amountMinor: 550, providerSubscriptionId: 'I-PAYPAL-1', reference: replacement.id }),
    ]);
  });

  it('runs in the hourly usage sweep with the quota warnings', async () => {
    const c = await seed();
    await addCall(t.db, c, new Date(START.getTime() + DAY), 105 * 60);
    clock.set(new Date(END.getTime() + 2 * HOUR));
    const quota = new QuotaService(t.db, mail.notices, { logger: silentLogger, clock: clock.now });
    const job = usageSweepJob(mail.jobs, quota, overage, { logger: silentLogger, now: () => clock.now().getTime() });
    job.register();
    const id = await job.enqueueDue();
    await mail.jobs.drain();
    expect((await mail.jobs.get(USAGE_SWEEP_JOB, id))?.state).toBe('completed');
    expect(chargesOf(c).map((x) => x.amountMinor)).toEqual([55]);
  });

  it('charge keys name the subscription and the period start, and read back', () => {
    const key = overageChargeKey('0b8f3c52-0c8e-4a57-9d43-6f0a4b1f2e11', START);
    expect(key).toBe('usage:0b8f3c52-0c8e-4a57-9d43-6f0a4b1f2e11:2026-03-01T10:00:00.000Z');
    expect(parseOverageChargeKey(key)).toEqual({ subscriptionId: '0b8f3c52-0c8e-4a57-9d43-6f0a4b1f2e11', periodStart: START });
    expect(parseOverageChargeKey('switch:abc')).toBeNull();
  });
});
