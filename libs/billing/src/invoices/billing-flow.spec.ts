import 'reflect-metadata';
import { Client, Invoice, Subscription } from '@tero/db';
import type { PaymentEvent } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { DunningService } from '../dunning/dunning.service';
import { type BillingHarness, STRIPE, WEBHOOK_SECRETS, createBillingHarness } from '../subscriptions/testing/billing-harness';
import { OverageBilling } from '../usage/overage-billing';
import { QuotaService } from '../usage/quota.service';
import { UsageMeter } from '../usage/usage-meter';
import { PaymentWebhookService } from '../webhooks/payment-webhook.service';
import { BillingPaymentEffects } from './billing-payment-effects';
import { InvoiceService } from './invoice.service';
import { addCall, testI18n, testMail } from './testing/billing-fixtures';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const DAY = 86_400_000;
const logger = pino({ level: 'silent' });

/**
 * Billing end to end below HTTP: the subscriptions and webhook services with a fake vendor, and this
 * folder's invoices, dunning and usage as the webhook's effects, on one clock.
 */
describe.each(kinds)('a client’s billing life on %s', (kind) => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let h: BillingHarness;
  let mail: Awaited<ReturnType<typeof testMail>>;
  let webhooks: PaymentWebhookService;
  let dunning: DunningService;
  let quota: QuotaService;
  let overage: OverageBilling;
  let meter: UsageMeter;

  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: true });
    i18n = await testI18n();
    h = createBillingHarness(t.db, { start: new Date('2026-11-02T15:00:00Z') });
    mail = await testMail(i18n, t.db, h.clock.now);
    const invoices = new InvoiceService(t.db, { clock: h.clock.now, events: h.events, i18n });
    dunning = new DunningService(t.db, mail.notices, { events: h.events, logger, clock: h.clock.now });
    const effects = new BillingPaymentEffects({ db: t.db, invoices, dunning, notices: mail.notices, i18n, logger });
    webhooks = new PaymentWebhookService({ db: t.db, providers: h.providers, effects, events: h.events, logger, clock: h.clock.now });
    quota = new QuotaService(t.db, mail.notices, { events: h.events, logger, clock: h.clock.now });
    overage = new OverageBilling(t.db, mail.notices, (ctx, pluginId) => h.providers.forBrand(ctx, pluginId), { i18n, logger, clock: h.clock.now });
    meter = new UsageMeter(t.db, { clock: h.clock.now });
  });
  afterAll(async () => {
    await mail.close();
    await t.drop();
  });

  const deliver = (slug: string, events: PaymentEvent[]) => {
    const delivery = h.vendors[STRIPE].deliver(WEBHOOK_SECRETS[STRIPE], events);
    return webhooks.receive({ provider: STRIPE, brandSlug: slug, rawBody: delivery.rawBody, headers: delivery.headers });
  };

  it('pays, fails, is reminded, suspended, pays again; then its overage is charged and invoiced', async () => {
    const b = await h.brandWithClient({ billingSettings: { taxRateBps: 1000, taxLabel: 'VAT', invoicePrefix: 'VB' } });
    for (const plan of await h.plans.list(b.brandCtx)) await h.plans.update(b.brandCtx, plan.id, { trialDays: 0 });
    const growth = b.plan('growth');
    const started = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: growth.id, provider: STRIPE, successUrl: 'https://x.test/ok', cancelUrl: 'https://x.test/no' });
    const checkoutId = [...h.vendors[STRIPE].checkouts.keys()].at(-1)!;
    await deliver(b.brand.slug, h.vendors[STRIPE].completeCheckout(checkoutId));

    const em = () => t.db.forTenant(b.ctx);
    const sub = await em().findOneOrFail(Subscription, { id: started.subscriptionId });
    const invoicesOf = () => em().find(Invoice, {}, { orderBy: { sequence: 'asc' } });
    const subjects = async () => (await mail.sent()).filter((m) => m.clientId === b.client.id).map((m) => m.subject);
    const state = async () => [(await em().findOneOrFail(Subscription, { id: sub.id })).status, (await em().findOneOrFail(Client, { id: b.client.id })).status];

    // The first payment: invoice 1, the plan net of 10 % VAT, totalling the charge.
    const [first] = await invoicesOf();
    expect(first).toMatchObject({ number: 'VB-2026-000001', status: 'paid', totalMinor: sub.amountMinor, lines: [expect.objectContaining({ kind: 'plan', amountMinor: first!.subtotalMinor })] });
    expect(first!.subtotalMinor + first!.taxMinor).toBe(sub.amountMinor);
    expect(await state()).toEqual(['active', 'active']);

    // The renewal fails: past due, day-0 reminder; day 3 a reminder; day 14 suspended.
    h.clock.set(sub.currentPeriodEnd!);
    await deliver(b.brand.slug, h.vendors[STRIPE].renew(sub.providerSubscriptionId!, 'failed'));
    expect(await state()).toEqual(['past_due', 'active']);
    h.clock.advanceDays(3);
    await dunning.sweep();
    h.clock.advanceDays(11);
    await dunning.sweep();
    expect(await state()).toEqual(['suspended', 'suspended']);

    // The client pays: active at once, invoice 2, told its agent answers again.
    h.clock.advanceDays(1);
    await deliver(b.brand.slug, h.vendors[STRIPE].renew(sub.providerSubscriptionId!, 'paid'));
    expect(await state()).toEqual(['active', 'active']);
    const brand = b.brand.name;
    expect(await subjects()).toEqual([
      `Your ${brand} invoice VB-2026-000001`,
      `Your payment to ${brand} did not go through`,
      `Reminder: your ${brand} payment is still due`,
      `Your ${brand} service is suspended`,
      `Your ${brand} invoice VB-2026-000002`,
      `Your ${brand} service is active again`,
    ]);

    // Calls beyond the plan's minutes in the new period: warned, then charged after the period, then invoiced.
    const period = await em().findOneOrFail(Subscription, { id: sub.id });
    await addCall(t.db, b, new Date(period.currentPeriodStart!.getTime() + DAY), (growth.includedMinutes + 12) * 60);
    expect((await meter.usageSummary(b.ctx, b.client.id))?.overageMinutes).toBe(12);
    expect(await quota.check(b.ctx, b.client.id)).toMatchObject({ reached: 100, warned: true });
    h.clock.set(new Date(period.currentPeriodEnd!.getTime() + 2 * 3_600_000));
    const { charged } = await overage.sweep();
    const charge = charged.find((c) => c.subscriptionId === sub.id)!;
    expect(charge).toMatchObject({ minutes: 12, netMinor: 12 * growth.overageMinorPerMinute });
    const vendorCharge = h.vendors[STRIPE].charges.find((c) => c.chargeKey === charge.chargeKey)!;
    expect(vendorCharge.amountMinor).toBe(charge.amountMinor);

    await deliver(b.brand.slug, [
      {
        type: 'payment.succeeded',
        eventId: 'evt_overage_1',
        occurredAt: h.clock.now(),
        reference: sub.id,
        providerSubscriptionId: sub.providerSubscriptionId!,
        providerCustomerId: sub.providerCustomerId ?? null,
        vendorType: 'invoice.paid',
        providerPaymentId: vendorCharge.id,
        amountMinor: vendorCharge.amountMinor,
        currency: vendorCharge.currency,
        purpose: 'one_time',
        chargeKey: charge.chargeKey,
        periodStart: null,
        periodEnd: null,
      },
    ]);
    const third = (await invoicesOf())[2]!;
    expect(third).toMatchObject({
      number: 'VB-2027-000003', // a new year: the sequence goes on
      lines: [expect.objectContaining({ kind: 'overage', quantity: 12, unitMinor: growth.overageMinorPerMinute })],
      totalMinor: charge.amountMinor,
    });
    expect(third.periodStart).toEqual(period.currentPeriodStart);
  });
});
