import { ValidationError } from '@tero/accounts';
import { isSupportedLocale } from '@tero/core';
import { BillingNotice, Brand, Client, type Database, type Invoice, type InvoiceLine, Subscription } from '@tero/db';
import { TeroError, type PaymentFailedEvent, type PaymentSucceededEvent, type RefundSucceededEvent, type TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { Logger } from 'pino';
import { currencyMismatch } from '../billing-errors';
import { type BillingNotices, invoicePdfUrl } from '../dunning/billing-notices';
import type { DunningService } from '../dunning/dunning.service';
import type { PaymentEffects } from '../payment-effects';
import { brandBillingSettings } from '../settings/brand-billing-settings';
import { meteredSeconds } from '../usage/usage-meter';
import { parseOverageChargeKey } from '../usage/overage-billing';
import { minutesOf, usagePeriodAt } from '../usage/usage-period';
import { type GrossSplit, MAX_INVOICE_MINOR, splitGross } from './invoice-amounts';
import type { InvoiceService } from './invoice.service';
import { formatMoney } from './money-format';

export interface BillingPaymentEffectsDeps {
  db: Database;
  invoices: InvoiceService;
  dunning: DunningService;
  notices: BillingNotices;
  i18n: I18nInstance;
  logger: Logger;
}

/** The invoice of a payment: one per provider payment id. */
export function paymentSourceKey(provider: string, providerPaymentId: string): string {
  return `payment:${provider}:${providerPaymentId}`;
}

/** A subscription id that names no subscription of the context's tenant. */
export function subscriptionNotFound(subscriptionId: string): TeroError {
  return new TeroError('billing.subscription_not_found', `subscriptionId: no subscription ${subscriptionId} here`, { field: 'subscriptionId', subscriptionId }, { status: 404 });
}

/**
 * What follows a verified payment event: the invoice (issued once per payment, e-mailed once), the end
 * or start of dunning, and refunds on invoices. Amounts the vendor charged are tax included: the
 * invoice's lines are net and its total is exactly the amount charged (see `splitGross`).
 */
export class BillingPaymentEffects implements PaymentEffects {
  constructor(private readonly deps: BillingPaymentEffectsDeps) {}

  async paymentSucceeded(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentSucceededEvent }): Promise<void> {
    const { event } = input;
    const invoice = await this.invoicePayment(ctx, input.subscriptionId, input.provider, event);
    if (invoice) await this.sendInvoice(ctx, invoice);
    await this.deps.dunning.end(ctx, input.subscriptionId);
  }

  async paymentFailed(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentFailedEvent }): Promise<void> {
    await this.deps.dunning.start(ctx, input.subscriptionId, { failureReason: input.event.failureReason });
  }

  /**
   * Records the refund on the payment's invoice, tells the client once per refund, and marks the invoice
   * `refunded` once the refunds add up to its total. A refund whose payment was never invoiced (its
   * event not received yet) is logged and left: the vendor's dashboard stays the record of it.
   */
  async refundSucceeded(ctx: TenantContext, input: { subscriptionId: string | null; provider: string; event: RefundSucceededEvent }): Promise<void> {
    const { event } = input;
    const invoice = await this.deps.invoices.bySource(ctx, paymentSourceKey(input.provider, event.providerPaymentId));
    if (!invoice) {
      this.deps.logger.warn({ provider: input.provider, providerPaymentId: event.providerPaymentId, refundId: event.providerRefundId }, 'refund of a payment that has no invoice');
      return;
    }
    if (event.currency.toUpperCase() !== invoice.currency) throw currencyMismatch('currency', event.currency.toUpperCase(), invoice.currency);
    if (!Number.isSafeInteger(event.amountMinor) || event.amountMinor <= 0 || event.amountMinor > invoice.totalMinor) {
      throw new ValidationError([{ field: 'amountMinor', reason: `a refund of ${event.amountMinor} on an invoice of ${invoice.totalMinor}` }]);
    }
    const clientId = invoice.client.id;
    const prefix = `${invoice.id}:`;
    await this.deps.notices.sendOnce(ctx, { clientId, kind: 'refund', key: `${prefix}${event.amountMinor}:${event.providerRefundId}` }, ({ t, locale, brand }) => ({
      subject: t('email.refund.subject', { brand: brand.name, number: invoice.number }),
      paragraphs: [t('email.refund.body', { amount: formatMoney(event.amountMinor, invoice.currency, locale), number: invoice.number })],
    }));
    const refunds = await this.deps.db.forTenant(ctx).find(BillingNotice, { client: clientId, kind: 'refund', key: { $like: `${prefix}%` } });
    const refunded = refunds.reduce((sum, n) => sum + Number(n.key.slice(prefix.length).split(':')[0]), 0);
    if (refunded >= invoice.totalMinor && invoice.status !== 'refunded') await this.deps.invoices.setStatus(ctx, invoice.id, 'refunded');
  }

  /** Issues (or finds) the invoice of a successful payment; null for a payment of nothing (a trial's start). */
  async invoicePayment(ctx: TenantContext, subscriptionId: string, provider: string, event: PaymentSucceededEvent): Promise<Invoice | null> {
    const em = this.deps.db.forTenant(ctx);
    const sub = await em.findOne(Subscription, { id: subscriptionId }, { populate: ['plan'] });
    if (!sub) throw subscriptionNotFound(subscriptionId);
    const currency = event.currency.toUpperCase();
    if (currency !== sub.currency.toUpperCase()) throw currencyMismatch('currency', currency, sub.currency.toUpperCase());
    if (!Number.isSafeInteger(event.amountMinor) || event.amountMinor < 0 || event.amountMinor > MAX_INVOICE_MINOR) {
      throw new ValidationError([{ field: 'amountMinor', reason: `${event.amountMinor} is not an amount charged` }]);
    }
    if (event.amountMinor === 0) {
      this.deps.logger.info({ subscriptionId, providerPaymentId: event.providerPaymentId }, 'payment of nothing: no invoice');
      return null;
    }
    const [brand, client] = await Promise.all([em.findOneOrFail(Brand, { id: ctx.brandId }), em.findOneOrFail(Client, { id: sub.client.id })]);
    const settings = brandBillingSettings(brand.billingSettings);
    const locale = [client.locale, brand.defaultLocale].find(isSupportedLocale) ?? 'en';
    const t = this.deps.i18n.getFixedT(locale, 'billing') as TFunction;
    const paid = splitGross(event.amountMinor, settings.taxRateBps);

    let lines: InvoiceLine[];
    let invoiceSubscriptionId = sub.id;
    let periodStart = event.periodStart ?? sub.currentPeriodStart ?? null;
    let periodEnd = event.periodEnd ?? sub.currentPeriodEnd ?? null;
    const overage = event.purpose === 'one_time' && event.chargeKey ? parseOverageChargeKey(event.chargeKey) : null;
    if (event.purpose === 'one_time') {
      if (overage) {
        const usageSub = overage.subscriptionId === sub.id ? sub : await em.findOne(Subscription, { id: overage.subscriptionId }, { populate: ['plan'] });
        if (usageSub) {
          const period = usagePeriodAt(usageSub, overage.periodStart);
          invoiceSubscriptionId = usageSub.id;
          periodStart = overage.periodStart;
          periodEnd = period.end;
          lines = [await this.overageLine(ctx, t, usageSub, { start: overage.periodStart, end: period.end }, paid)];
        } else {
          lines = [oneTimeLine(t, paid)];
        }
      } else {
        lines = [oneTimeLine(t, paid)];
      }
    } else {
      lines = planLines(t, sub, settings.taxRateBps, paid);
    }

    const { invoice } = await this.deps.invoices.issue(ctx, {
      clientId: sub.client.id,
      subscriptionId: invoiceSubscriptionId,
      sourceKey: paymentSourceKey(provider, event.providerPaymentId),
      lines,
      taxMinor: paid.taxMinor,
      currency,
      periodStart,
      periodEnd,
      provider,
      providerPaymentId: event.providerPaymentId,
      paid: true,
      paidAt: event.occurredAt,
      locale,
    });
    return invoice;
  }

  /** E-mails the invoice's link to the client's owners, once. */
  async sendInvoice(ctx: TenantContext, invoice: Invoice): Promise<boolean> {
    return this.deps.notices.sendOnce(ctx, { clientId: invoice.client.id, kind: 'invoice', key: invoice.id }, ({ t, locale, brand, client }) => ({
      subject: t('email.invoice.subject', { brand: brand.name, number: invoice.number }),
      paragraphs: [t('email.invoice.body', { total: formatMoney(invoice.totalMinor, invoice.currency, locale), number: invoice.number })],
      action: { label: t('email.invoice.action'), url: invoicePdfUrl(this.deps.notices.links, brand, client, invoice.id) },
    }));
  }

  /**
   * The overage line of a period's charge. The minutes are what the charge was computed from (its net
   * over the plan's price per minute); if the price changed since, the period's metered minutes.
   */
  private async overageLine(ctx: TenantContext, t: TFunction, sub: Subscription, period: { start: Date; end: Date }, paid: GrossSplit): Promise<InvoiceLine> {
    const unit = sub.plan.overageMinorPerMinute;
    let minutes = unit > 0 && paid.netMinor % unit === 0 ? paid.netMinor / unit : null;
    if (minutes === null) {
      const seconds = await meteredSeconds(this.deps.db.forTenant(ctx), sub.client.id, { from: period.start, to: period.end });
      minutes = Math.max(1, minutesOf(seconds) - sub.plan.includedMinutes);
    }
    return {
      kind: 'overage',
      description: t('invoice.lines.overage', { included: sub.plan.includedMinutes }),
      quantity: minutes,
      unitMinor: Math.round(paid.netMinor / minutes),
      amountMinor: paid.netMinor,
    };
  }
}

/**
 * A period's charge: the plan's line at the subscription's price (net of tax), and when the amount
 * charged differs (a plan change pro-rated by the vendor), a `proration` line for the difference, so that
 * the lines add up to what was charged.
 */
function planLines(t: TFunction, sub: Subscription, taxRateBps: number, paid: GrossSplit): InvoiceLine[] {
  const plan = splitGross(sub.amountMinor, taxRateBps).netMinor;
  const lines: InvoiceLine[] = [
    {
      kind: 'plan',
      description: t('invoice.lines.plan', { plan: sub.plan.name, interval: t(`invoice.interval.${sub.interval}`) }),
      quantity: 1,
      unitMinor: plan,
      amountMinor: plan,
    },
  ];
  const difference = paid.netMinor - plan;
  if (difference !== 0) lines.push({ kind: 'proration', description: t('invoice.lines.proration'), quantity: 1, unitMinor: difference, amountMinor: difference });
  return lines;
}

function oneTimeLine(t: TFunction, paid: GrossSplit): InvoiceLine {
  return { kind: 'overage', description: t('invoice.lines.oneTime'), quantity: 1, unitMinor: paid.netMinor, amountMinor: paid.netMinor };
}
