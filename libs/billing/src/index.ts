/**
 * `@tero/billing`: plans and prices, subscriptions and their state machine, payment webhooks, invoices,
 * dunning, usage and quotas. Payment vendors are reached only through the SDK's `PaymentProvider` port.
 */
export * from './billing-events';
export * from './payment-effects';
export * from './settings/brand-billing-settings';
export * from './subscriptions/subscription-state';
export * from './subscriptions/subscription-transitions';
export * from './billing-errors';
export * from './plans/default-plans';
export * from './plans/plan.schemas';
export * from './plans/plan-pricing';
export * from './plans/plans.service';
export * from './subscriptions/payment-providers';
export * from './subscriptions/subscription.schemas';
export * from './subscriptions/subscription-view';
export * from './subscriptions/subscriptions.service';
export * from './webhooks/payment-webhook.service';
export * from './invoices/invoice-amounts';
export * from './invoices/invoice.service';
export * from './invoices/invoice-pdf';
export * from './invoices/money-format';
export * from './dunning/billing-notices';
export * from './invoices/billing-payment-effects';
export * from './dunning/dunning.service';
export * from './dunning/dunning.job';
export * from './usage/usage-period';
export * from './usage/usage-meter';
export * from './usage/quota.service';
export * from './usage/overage-billing';
export * from './usage/usage.jobs';
export * from './billing.factory';
export * from './subscriptions/period-end';
