import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Invoice, Subscription } from '@tero/db';
import type { PaymentFailedEvent, PaymentProvider, PaymentSucceededEvent, RefundSucceededEvent } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { DunningService } from '../dunning/dunning.service';
import { taxOf } from '../settings/brand-billing-settings';
import { transitionSubscription } from '../subscriptions/subscription-transitions';
import { OverageBilling } from '../usage/overage-billing';
import { BillingPaymentEffects, paymentSourceKey } from './billing-payment-effects';
import { InvoiceService } from './invoice.service';
import { type SeededClient, TestClock, addCall, seedBillingClient, silentLogger, testI18n, testMail } from './testing/billing-fixtures';
import { InMemoryPaymentProvider } from './testing/in-memory-payment-provider';

const START = new Date('2026-03-01T10:00:00Z');
const END = new Date('2026-04-01T10:00:00Z');
const PROVIDER = 'payment-test';

function succeeded(amountMinor: number, overrides: Partial<PaymentSucceededEvent> = {}): PaymentSucceededEvent {
  return {
    type: 'payment.succeeded',
    eventId: `evt_${randomUUID()}`,
    occurredAt: new Date('2026-03-01T10:01:00Z'),
    reference: null,
    providerSubscriptionId: null,
    providerCustomerId: null,
    vendorType: 'invoice.paid',
    providerPaymentId: `in_${randomUUID()}`,
    amountMinor,
    currency: 'usd',
    purpose: 'subscription',
    chargeKey: null,
    periodStart: START,
    periodEnd: END,
    ...overrides,
  };
}

describe('BillingPaymentEffects', () => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let clock: TestClock;
  let mail: Awaited<ReturnType<typeof testMail>>;
  let invoices: InvoiceService;
  let effects: BillingPaymentEffects;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    i18n = await testI18n();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    clock = new TestClock(new Date('2026-03-01T10:02:00Z'));
    mail = await testMail(i18n, t.db, clock.now);
    invoices = new InvoiceService(t.db, { clock: clock.now, i18n });
    const dunning = new DunningService(t.db, mail.notices, { logger: silentLogger, clock: clock.now });
    effects = new BillingPaymentEffects({ db: t.db, invoices, dunning, notices: mail.notices, i18n, logger: silentLogger });
  });
  afterEach(() => mail.close());

  /** Growth at $499.00 a month before 8.25 % tax: the vendor charges $540.17. */
  const seed = (options: Parameters<typeof seedBillingClient>[1] = {}) =>
    seedBillingClient(t.db, { billingSettings: { taxRateBps: 825, taxLabel: 'Sales tax' }, ...options, subscription: { amountMinor: 49900 + taxOf(49900, 825), ...options.subscription } });
  const invoicesOf = (c: SeededClient) => t.db.forTenant(c.ctx).find(Invoice, {}, { orderBy: { sequence: 'asc' } });
  const mailsTo = async (c: SeededClient) => (await mail.sent()).filter((m) => m.clientId === c.client.id);

  it('a period’s payment is invoiced as the plan’s line, net of tax, totalling exactly what was charged, and e-mailed with its PDF link', async () => {
    const c = await seed();
    const event = succeeded(54017);
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event });
    const [invoice, ...more] = await invoicesOf(c);
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({
      sequence: 1,
      status: 'paid',
      sourceKey: paymentSourceKey(PROVIDER, event.providerPaymentId),
      subscriptionId: c.subscription.id,
      currency: 'USD',
      lines: [{ kind: 'plan', description: 'Growth plan (monthly)', quantity: 1, unitMinor: 49900, amountMinor: 49900 }],
      subtotalMinor: 49900,
      taxMinor: 4117,
      totalMinor: 54017,
      provider: PROVIDER,
      providerPaymentId: event.providerPaymentId,
    });
    expect(invoice!.paidAt).toEqual(event.occurredAt);
    expect(invoice!.periodStart).toEqual(START);

    const sent = await mailsTo(c);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe(`Your ${c.brand.name} invoice ${invoice!.number}`);
    expect(sent[0]!.text).toContain('Thank you for your payment of $540.17.');
    expect(sent[0]!.text).toContain(`https://${c.client.slug}.${c.brand.slug}.example.test/billing/invoices/${invoice!.id}.pdf`);

    // The vendor delivers the event again: nothing new.
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event });
    expect(await invoicesOf(c)).toHaveLength(1);
    expect(await mailsTo(c)).toHaveLength(1);
  });

  it('a charge that is not the plan’s price gets a proration line for the difference; a charge no net can make exactly puts the cent on the tax', async () => {
    const c = await seed();
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: succeeded(20000) });
    const [invoice] = await invoicesOf(c);
    const net = invoice!.subtotalMinor;
    expect(invoice!.lines).toEqual([
      expect.objectContaining({ kind: 'plan', amountMinor: 49900 }),
      { kind: 'proration', description: 'Adjustment for a plan change', quantity: 1, unitMinor: net - 49900, amountMinor: net - 49900 },
    ]);
    expect(invoice!.totalMinor).toBe(20000);
    expect(invoice!.taxMinor - taxOf(net, 825)).toBeGreaterThanOrEqual(0);
    expect(invoice!.taxMinor - taxOf(net, 825)).toBeLessThanOrEqual(1);
  });

  it('an overage charge’s payment is invoiced as the period’s extra minutes, in the client’s language', async () => {
    const c = await seed({ locale: 'es', plan: { includedMinutes: 100, overageMinorPerMinute: 10 } });
    await addCall(t.db, c, new Date(START.getTime() + 86_400_000), 142 * 60);
    const vendor = new InMemoryPaymentProvider();
    clock.set(new Date(END.getTime() + 7_200_000));
    const overage = new OverageBilling(t.db, mail.notices, async (): Promise<PaymentProvider> => vendor, { i18n, logger: silentLogger, clock: clock.now });
    const [charge] = await overage.chargeEndedPeriods(c.ctx, c.subscription.id);
    expect(charge).toMatchObject({ minutes: 42, netMinor: 420, taxMinor: 35, amountMinor: 455 });

    const event = vendor.succeededEvent(charge!.chargeKey, clock.now());
    await effects.paymentSucceeded(c.ctx, { subscriptionId: event.reference!, provider: PROVIDER, event });
    const [invoice] = await invoicesOf(c);
    expect(invoice).toMatchObject({
      subscriptionId: c.subscription.id,
      lines: [{ kind: 'overage', description: 'Minutos adicionales a los 100 incluidos', quantity: 42, unitMinor: 10, amountMinor: 420 }],
      subtotalMinor: 420,
      taxMinor: 35,
      totalMinor: 455,
      locale: 'es',
    });
    expect(invoice!.periodStart).toEqual(START);
    expect(invoice!.periodEnd).toEqual(END);
    expect((await mailsTo(c)).map((m) => m.subject)).toEqual([`Su factura ${invoice!.number} de ${c.brand.name}`]);
    const pdf = await invoices.pdf(c.ctx, invoice!.id);
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a payment of nothing (a trial starting) is not invoiced; a payment in another currency is refused and changes nothing', async () => {
    const c = await seed();
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: succeeded(0) });
    await expect(effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: succeeded(54017, { currency: 'EUR' }) })).rejects.toMatchObject({
      code: 'billing.currency_mismatch',
      options: { status: 400 },
    });
    await expect(effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: succeeded(-5) })).rejects.toMatchObject({ code: 'validation.failed' });
    expect(await invoicesOf(c)).toEqual([]);
    expect(await mailsTo(c)).toEqual([]);
  });

  it('a failed payment starts dunning; the payment that follows a suspension invoices it and says the service is back', async () => {
    const c = await seed({ owners: [{ name: 'Olivia', email: `o-${Math.random()}@client.test` }] });
    const em = t.db.forTenant(c.ctx);
    const sub = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    await transitionSubscription(em, sub, 'past_due', { cause: 'webhook:payment.failed', at: clock.now() });
    await em.flush();
    const failed: PaymentFailedEvent = {
      ...succeeded(54017),
      type: 'payment.failed',
      providerPaymentId: null,
      failureReason: 'insufficient_funds',
    } as PaymentFailedEvent;
    await effects.paymentFailed(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: failed });
    clock.advanceDays(14);
    const dunning = new DunningService(t.db, mail.notices, { logger: silentLogger, clock: clock.now });
    await dunning.sweep();
    clock.advanceDays(1);
    const again = t.db.forTenant(c.ctx);
    await transitionSubscription(again, await again.findOneOrFail(Subscription, { id: c.subscription.id }), 'active', { cause: 'webhook:payment.succeeded', at: clock.now() });
    await again.flush();
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: succeeded(54017, { occurredAt: clock.now() }) });

    const subjects = (await mailsTo(c)).map((m) => m.subject);
    expect(subjects).toEqual([
      `Your payment to ${c.brand.name} did not go through`,
      `Your ${c.brand.name} service is suspended`,
      `Your ${c.brand.name} invoice ${(await invoicesOf(c))[0]!.number}`,
      `Your ${c.brand.name} service is active again`,
    ]);
    expect((await mailsTo(c))[0]!.text).toContain('insufficient_funds');
  });

  it('refunds: the client is told of each once; the invoice is refunded when the refunds cover it', async () => {
    const c = await seed();
    const payment = succeeded(54017);
    await effects.paymentSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: payment });
    const refund = (id: string, amountMinor: number): RefundSucceededEvent => ({
      type: 'refund.succeeded',
      eventId: `evt_${id}`,
      occurredAt: clock.now(),
      reference: c.subscription.id,
      providerSubscriptionId: null,
      providerCustomerId: null,
      vendorType: 'charge.refunded',
      providerRefundId: id,
      providerPaymentId: payment.providerPaymentId,
      amountMinor,
      currency: 'USD',
    });
    await effects.refundSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: refund('re_1', 10000) });
    await effects.refundSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: refund('re_1', 10000) });
    expect((await invoicesOf(c))[0]!.status).toBe('paid');
    await effects.refundSucceeded(c.ctx, { subscriptionId: c.subscription.id, provider: PROVIDER, event: refund('re_2', 44017) });
    expect((await invoicesOf(c))[0]!.status).toBe('refunded');
    const refunds = (await mailsTo(c)).filter((m) => m.subject.startsWith('Refund'));
    expect(refunds.map((m) => m.text.split('\n')[2])).toEqual([
      `We refunded $100.00 of your invoice ${(await invoicesOf(c))[0]!.number}. Depending on your bank, it can take a few days to appear on your statement.`,
      `We refunded $440.17 of your invoice ${(await invoicesOf(c))[0]!.number}. Depending on your bank, it can take a few days to appear on your statement.`,
    ]);
    // A refund of a payment never invoiced is left alone; one larger than the invoice is refused.
    await effects.refundSucceeded(c.ctx, { subscriptionId: null, provider: PROVIDER, event: { ...refund('re_3', 100), providerPaymentId: 'in_unknown' } });
    await expect(effects.refundSucceeded(c.ctx, { subscriptionId: null, provider: PROVIDER, event: refund('re_4', 60000) })).rejects.toMatchObject({ code: 'validation.failed' });
  });
});
