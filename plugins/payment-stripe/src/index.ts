import { definePlugin, PAYMENT, providePort, type PaymentProvider } from '@tero/sdk';
import type { StripePaymentConfig } from './stripe.config';
import { StripePaymentProvider } from './stripe.payment-provider';

export { StripePaymentProvider, firstChargeParams, idempotencyKey, productIdFor, stripeLocale } from './stripe.payment-provider';
export { resolveStripeClientSettings, requireSecretKey, requireWebhookSecret } from './stripe.config';
export type { StripePaymentConfig, StripeClientSettings } from './stripe.config';
export { normalizeStripeEvent, subscriptionStateOf, META as STRIPE_METADATA_KEYS } from './stripe-event.normalizer';
export type { StripeEventLike, StripeEventLookups, StripeInvoiceOfPayment } from './stripe-event.normalizer';
export { toPaymentError } from './stripe.errors';

export default definePlugin<StripePaymentConfig>({
  id: 'payment-stripe',
  provides: [providePort<PaymentProvider, StripePaymentConfig>(PAYMENT, ({ config, logger }) => new StripePaymentProvider(config, logger))],
});
