/**
 * `@tero/billing`: plans and prices, subscriptions and their state machine, payment webhooks, invoices,
 * dunning, usage and quotas. Payment vendors are reached only through the SDK's `PaymentProvider` port.
 */
export * from './billing-events';
export * from './payment-effects';
export * from './settings/brand-billing-settings';
export * from './subscriptions/subscription-state';
export * from './subscriptions/subscription-transitions';
