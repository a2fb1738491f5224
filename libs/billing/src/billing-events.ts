/**
 * Events billing publishes on the bus (after its transaction commits). The kernel wires
 * `clientStatusChanged` to the call directory's cache, so the next call of a suspended client is routed
 * as suspended without a restart, on every replica.
 */
export const BILLING_EVENTS = {
  /** payload: TransitionResult */
  subscriptionChanged: 'billing.subscription_changed',
  /** payload: { clientId, from, to } */
  clientStatusChanged: 'billing.client_status_changed',
  /** payload: { invoiceId, number, totalMinor, currency } */
  invoiceIssued: 'billing.invoice_issued',
  /** payload: { usedSeconds, includedSeconds, percent } */
  quotaWarning: 'billing.quota_warning',
} as const;
