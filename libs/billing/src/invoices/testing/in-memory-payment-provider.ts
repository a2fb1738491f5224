import { randomUUID } from 'node:crypto';
import {
  PAYMENT_ERRORS,
  type PaymentChargeResult,
  type PaymentOneTimeCharge,
  type PaymentProvider,
  type PaymentSucceededEvent,
  TeroError,
  type TenantContext,
} from '@tero/sdk';

/**
 * Test support: a payment vendor held in memory, for what billing itself drives (one-time charges for
 * overage). A charge key is charged once however often it is asked, as the port requires; `failNext`
 * makes the vendor unreachable for the next call. Subscription checkout and webhooks belong to the
 * plugins and their contract suite: asked for them, this provider refuses.
 */
export class InMemoryPaymentProvider implements PaymentProvider {
  readonly charges = new Map<string, { input: PaymentOneTimeCharge; result: PaymentChargeResult; ctx: TenantContext }>();
  /** Every call to `chargeOnce`, repeated ones included. */
  readonly calls: PaymentOneTimeCharge[] = [];
  outcome: PaymentChargeResult['status'] = 'succeeded';
  private unavailable = 0;

  /** The next `count` calls fail as if the vendor could not be reached. */
  failNext(count = 1): void {
    this.unavailable = count;
  }

  async chargeOnce(ctx: TenantContext, input: PaymentOneTimeCharge): Promise<PaymentChargeResult> {
    this.calls.push(input);
    if (this.unavailable > 0) {
      this.unavailable--;
      throw new TeroError(PAYMENT_ERRORS.unavailable, 'in-memory vendor unreachable', {}, { retryable: true, status: 503 });
    }
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) throw new TeroError(PAYMENT_ERRORS.rejected, `amount ${input.amountMinor} refused`, {}, { status: 400 });
    const previous = this.charges.get(input.chargeKey);
    if (previous) return previous.result;
    const result: PaymentChargeResult = { providerPaymentId: `pay_${randomUUID()}`, status: this.outcome };
    this.charges.set(input.chargeKey, { input, result, ctx });
    return result;
  }

  /** The `payment.succeeded` event the vendor's webhook would carry for a charge made. */
  succeededEvent(chargeKey: string, occurredAt: Date): PaymentSucceededEvent {
    const charge = this.charges.get(chargeKey);
    if (!charge?.result.providerPaymentId) throw new Error(`no charge ${chargeKey}`);
    return {
      type: 'payment.succeeded',
      eventId: `evt_${randomUUID()}`,
      occurredAt,
      reference: charge.input.reference,
      providerSubscriptionId: charge.input.providerSubscriptionId,
      providerCustomerId: charge.input.providerCustomerId,
      vendorType: 'charge.succeeded',
      providerPaymentId: charge.result.providerPaymentId,
      amountMinor: charge.input.amountMinor,
      currency: charge.input.currency,
      purpose: 'one_time',
      chargeKey,
      periodStart: null,
      periodEnd: null,
    };
  }

  async ensurePrice(): Promise<never> {
    throw refused('ensurePrice');
  }
  async startCheckout(): Promise<never> {
    throw refused('startCheckout');
  }
  async openPortal(): Promise<never> {
    throw refused('openPortal');
  }
  async getSubscription(): Promise<never> {
    throw refused('getSubscription');
  }
  async changePrice(): Promise<never> {
    throw refused('changePrice');
  }
  async cancel(): Promise<never> {
    throw refused('cancel');
  }
  async refund(): Promise<never> {
    throw refused('refund');
  }
  async parseWebhook(): Promise<never> {
    throw refused('parseWebhook');
  }
}

function refused(method: string): TeroError {
  return new TeroError(PAYMENT_ERRORS.rejected, `the in-memory provider does not do ${method}`, { method }, { status: 400 });
}
