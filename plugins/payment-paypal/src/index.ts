import { definePlugin, PAYMENT, providePort, type PaymentProvider } from '@tero/sdk';
import { PayPalPaymentProvider } from './paypal.payment-provider';
import type { PayPalPaymentConfig } from './paypal.config';

export { PayPalPaymentProvider, paypalLocale, productIdFor } from './paypal.payment-provider';
export { resolvePayPalSettings, DEFAULT_PAYPAL_API_BASE_URL, PAYPAL_SANDBOX_API_BASE_URL } from './paypal.config';
export type { PayPalPaymentConfig, PayPalSettings } from './paypal.config';
export { PAYPAL_WEBHOOK_EVENT_TYPES, normalizePayPalEvent } from './paypal-webhook.normalizer';

export default definePlugin<PayPalPaymentConfig>({
  id: 'payment-paypal',
  provides: [providePort<PaymentProvider, PayPalPaymentConfig>(PAYMENT, ({ config, logger }) => new PayPalPaymentProvider(config, logger))],
});
