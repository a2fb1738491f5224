import { TeroError } from '@tero/sdk';

/**
 * Stable codes of the errors billing throws. Each has a message in the `errors` namespace of every locale
 * (`errors:billing.plan_not_found`), filled with the error's params; a spec checks that every code thrown
 * under libs/billing has one. Malformed input (a negative amount, a bad URL) is `validation.failed` with
 * the fields at fault, as everywhere else; these codes are the billing rules a well-formed request broke.
 */
export const BILLING_ERRORS = {
  planNotFound: 'billing.plan_not_found',
  planInactive: 'billing.plan_inactive',
  planCodeTaken: 'billing.plan_code_taken',
  planCodeImmutable: 'billing.plan_code_immutable',
  currencyMismatch: 'billing.currency_mismatch',
  brandScopeRequired: 'billing.brand_scope_required',
  brandNotFound: 'billing.brand_not_found',
  clientNotFound: 'billing.client_not_found',
  providerUnavailable: 'billing.provider_unavailable',
  providerUnknown: 'billing.provider_unknown',
  subscriptionExists: 'billing.subscription_exists',
  noSubscription: 'billing.no_subscription',
  subscriptionNotChangeable: 'billing.subscription_not_changeable',
  sameProvider: 'billing.same_provider',
  switchPending: 'billing.switch_pending',
  noBillingContact: 'billing.no_billing_contact',
  webhookRetry: 'billing.webhook_retry',
} as const;

/** A plan id that is not one of the brand's plans (another brand's id looks the same as an unknown one). */
export function planNotFound(planId: string): TeroError {
  return new TeroError(BILLING_ERRORS.planNotFound, `planId: no plan ${planId} in this brand`, { field: 'planId', planId }, { status: 404 });
}

export function planInactive(plan: { id: string; code: string }): TeroError {
  return new TeroError(BILLING_ERRORS.planInactive, `planId: plan "${plan.code}" is no longer offered`, { field: 'planId', planId: plan.id, code: plan.code }, { status: 409 });
}

export function planCodeTaken(code: string): TeroError {
  return new TeroError(BILLING_ERRORS.planCodeTaken, `code: the brand already has a plan "${code}"`, { field: 'code', code }, { status: 409 });
}

export function planCodeImmutable(code: string): TeroError {
  return new TeroError(BILLING_ERRORS.planCodeImmutable, `code: a plan's code cannot change (it is "${code}")`, { field: 'code', code }, { status: 400 });
}

export function currencyMismatch(field: string, currency: string, brandCurrency: string): TeroError {
  return new TeroError(
    BILLING_ERRORS.currencyMismatch,
    `${field}: ${currency} is not the brand's currency (${brandCurrency})`,
    { field, currency, brandCurrency },
    { status: 400 },
  );
}

export function brandScopeRequired(): TeroError {
  return new TeroError(BILLING_ERRORS.brandScopeRequired, "only the brand's own administrators change its plans", {}, { status: 403 });
}

export function brandNotFound(brand: string): TeroError {
  return new TeroError(BILLING_ERRORS.brandNotFound, `brand: no brand "${brand}"`, { field: 'brand', brand }, { status: 404 });
}

export function clientNotFound(clientId: string): TeroError {
  return new TeroError(BILLING_ERRORS.clientNotFound, `clientId: no client ${clientId} in this brand`, { field: 'clientId', clientId }, { status: 404 });
}

/** The payment plugin is not enabled on the instance, or the brand has not entered its credentials. */
export function providerUnavailable(provider: string, reason: string, status = 400): TeroError {
  return new TeroError(
    BILLING_ERRORS.providerUnavailable,
    `provider: payments through "${provider}" are not available for this brand (${reason})`,
    { field: 'provider', provider, reason },
    { status },
  );
}

export function subscriptionExists(status: string): TeroError {
  return new TeroError(
    BILLING_ERRORS.subscriptionExists,
    `clientId: the client already has a subscription (${status}); change its plan or switch its provider instead`,
    { field: 'clientId', status },
    { status: 409 },
  );
}

export function noSubscription(clientId: string): TeroError {
  return new TeroError(BILLING_ERRORS.noSubscription, `clientId: client ${clientId} has no subscription in force`, { field: 'clientId', clientId }, { status: 404 });
}

/** The subscription's status does not allow the action (a plan change while payment is overdue). */
export function subscriptionNotChangeable(action: string, status: string): TeroError {
  return new TeroError(
    BILLING_ERRORS.subscriptionNotChangeable,
    `cannot ${action} a subscription that is ${status}`,
    { action, status },
    { status: 409 },
  );
}

export function sameProvider(provider: string): TeroError {
  return new TeroError(BILLING_ERRORS.sameProvider, `provider: the subscription is already paid through "${provider}"`, { field: 'provider', provider }, { status: 409 });
}

export function switchPending(provider: string): TeroError {
  return new TeroError(
    BILLING_ERRORS.switchPending,
    `a switch to "${provider}" is already scheduled; it takes over when the current period ends`,
    { provider },
    { status: 409 },
  );
}

export function noBillingContact(clientId: string): TeroError {
  return new TeroError(
    BILLING_ERRORS.noBillingContact,
    `client ${clientId} has no user whose e-mail the payment provider could use`,
    { clientId },
    { status: 409 },
  );
}

/**
 * What followed a committed webhook event (an invoice, a vendor call) failed: the route answers 503 so
 * that the vendor delivers the event again, and the redelivery runs what is left.
 */
export function webhookRetry(eventId: string, cause: unknown): TeroError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TeroError(
    BILLING_ERRORS.webhookRetry,
    `payment event ${eventId} was recorded but its follow-up failed (${reason}); deliver it again`,
    { eventId },
    { status: 503, retryable: true, cause },
  );
}
