import type { PaymentFailedEvent, PaymentSucceededEvent, RefundSucceededEvent, TenantContext } from '@tero/sdk';

/**
 * What follows a verified payment event once the webhook's transaction committed the subscription's new
 * state: invoices and dunning (libs/billing/src/invoices, dunning) implement it, the webhook service
 * (libs/billing/src/webhooks) calls it. Every method is idempotent (unique keys on invoices and notices),
 * because a crash between the commit and the effect is repaired by the vendor's redelivery.
 * `ctx` names the brand and the subscription's client.
 */
export interface PaymentEffects {
  /** Issues the invoice for the payment (once per provider payment id) and ends any dunning under way. */
  paymentSucceeded(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentSucceededEvent }): Promise<void>;
  /** Starts dunning (reminders on the brand's days, then suspension after the grace period). */
  paymentFailed(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentFailedEvent }): Promise<void>;
  /** Marks the paid invoice refunded (partly or wholly). */
  refundSucceeded(ctx: TenantContext, input: { subscriptionId: string | null; provider: string; event: RefundSucceededEvent }): Promise<void>;
}
