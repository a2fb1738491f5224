/**
 * The local fake of Stripe's API and billing clock, for this plugin's contract spec and for suites that
 * run billing through the plugin (the platform's e2e tests). Test code only.
 */
export * from './fake-stripe.server';
export { FakeStripeStore, addInterval, stripeId, type StripeObject } from './fake-stripe.store';
export { FakeStripeError } from './fake-stripe.params';
export * from './stripe-form.decoder';
export * from './stripe-search.query';
