import type { PaymentWebhookDelivery } from '@tero/sdk';
import request from 'supertest';
import { FakePayPalServer } from '../../../plugins/payment-paypal/src/testing';
import { FakeStripeServer } from '../../../plugins/payment-stripe/src/testing';
import type { TestApp } from '../create-test-app';

/** The local fakes of both payment vendors an e2e file runs against, one pair per file. */
export interface PaymentVendors {
  stripe: FakeStripeServer;
  paypal: FakePayPalServer;
  /** The instance settings that point the enabled payment plugins at the fakes (`createTestApp({ env })`). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startPaymentVendors(): Promise<PaymentVendors> {
  const [stripe, paypal] = await Promise.all([FakeStripeServer.start(), FakePayPalServer.start()]);
  return {
    stripe,
    paypal,
    env: {
      PAYMENT_STRIPE_API_HOST: '127.0.0.1',
      PAYMENT_STRIPE_API_PORT: String(stripe.port),
      PAYMENT_STRIPE_API_PROTOCOL: 'http',
      // One attempt per request: a refusal of the fake shows at once instead of after the SDK's backoff.
      PAYMENT_STRIPE_MAX_NETWORK_RETRIES: '0',
      PAYMENT_PAYPAL_API_BASE_URL: paypal.baseUrl,
    },
    stop: async () => {
      await Promise.all([stripe.stop(), paypal.stop()]);
    },
  };
}

/** Path segment of each payment plugin in `/hooks/payments/:provider/:brand`. */
export const HOOK_SEGMENT = { 'payment-stripe': 'stripe', 'payment-paypal': 'paypal' } as const;
export type PaymentPluginId = keyof typeof HOOK_SEGMENT;

/** What our hook answered to one delivery. */
export interface DeliveryAnswer {
  status: number;
  body: { received?: boolean; events?: number; applied?: number; duplicates?: number; ignored?: number; stale?: number; unmatched?: number; error?: { code: string } };
  /** The vendor's event type, read from the delivery (for failure messages and filtering). */
  vendorType: string;
}

/** The vendor's event type of a delivery: Stripe's `type`, PayPal's `event_type`. */
export function vendorTypeOf(delivery: PaymentWebhookDelivery): string {
  const event = JSON.parse(delivery.rawBody.toString('utf8')) as { type?: string; event_type?: string };
  return event.type ?? event.event_type ?? '?';
}

/**
 * POSTs one delivery to our payment hook as the vendor does: its exact bytes and headers, on the brand's
 * host (the webhook URL the brand admin page shows).
 */
export async function postDelivery(t: TestApp, provider: PaymentPluginId, brandSlug: string, delivery: PaymentWebhookDelivery, brandHost = `${brandSlug}.localhost`): Promise<DeliveryAnswer> {
  let req = request(t.app.getHttpServer()).post(`/hooks/payments/${HOOK_SEGMENT[provider]}/${brandSlug}`).set('Host', brandHost);
  for (const [name, value] of Object.entries(delivery.headers)) if (value !== undefined) req = req.set(name, value);
  // As text: superagent would serialize a Buffer under a JSON content type (`{"type":"Buffer",…}`); the vendors' bodies are UTF-8.
  const res = await req.send(delivery.rawBody.toString('utf8'));
  return { status: res.status, body: res.body as DeliveryAnswer['body'], vendorType: vendorTypeOf(delivery) };
}

/** Sums of what the hook reported over several deliveries. */
export interface DeliveryTotals {
  deliveries: number;
  events: number;
  applied: number;
  duplicates: number;
  ignored: number;
  stale: number;
  unmatched: number;
}

export function totalsOf(answers: DeliveryAnswer[]): DeliveryTotals {
  const totals: DeliveryTotals = { deliveries: answers.length, events: 0, applied: 0, duplicates: 0, ignored: 0, stale: 0, unmatched: 0 };
  for (const { body } of answers) {
    totals.events += body.events ?? 0;
    totals.applied += body.applied ?? 0;
    totals.duplicates += body.duplicates ?? 0;
    totals.ignored += body.ignored ?? 0;
    totals.stale += body.stale ?? 0;
    totals.unmatched += body.unmatched ?? 0;
  }
  return totals;
}
