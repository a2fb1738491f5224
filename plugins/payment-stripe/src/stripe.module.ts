import type Stripe from 'stripe';

/**
 * The Stripe SDK, loaded on the first request that needs it: it is ~30 MB resident once required, and a
 * process that never talks to Stripe (most call-path replicas, a brand that uses PayPal) should not pay that.
 */
let loading: Promise<typeof Stripe> | null = null;
export function loadStripe(): Promise<typeof Stripe> {
  loading ??= import('stripe').then((module) => module.default);
  return loading;
}

/**
 * The SDK's error type (`StripeCardError`, `StripeConnectionError`…) when `error` is one, without loading
 * the SDK to reach its classes: every Stripe error class descends from one named `StripeError`, and its
 * instances carry their class's type name.
 */
export function stripeErrorType(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'StripeError') {
      const type: unknown = (error as Error & { type?: unknown }).type;
      return typeof type === 'string' ? type : 'StripeError';
    }
  }
  return null;
}

/** Narrows to the SDK's base error, for its fields (statusCode, code, decline_code…). */
export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return stripeErrorType(error) !== null;
}
