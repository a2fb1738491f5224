import type { EventBus } from '@tero/core';
import type { Logger } from 'pino';
import type { TransitionResult } from './subscriptions/subscription-transitions';

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

/** What publishing needs of the core event bus. */
export type BillingEventPublisher = Pick<EventBus, 'publish'>;

/**
 * Publishes what committed transitions changed: `subscriptionChanged` for each, `clientStatusChanged`
 * when the client's status moved with it. Called after the commit; a bus that fails (Redis away) is
 * logged, not thrown: the state is already the truth, and the events only refresh live views and caches.
 */
export async function publishTransitions(
  events: BillingEventPublisher,
  brandId: string,
  results: readonly (TransitionResult | null)[],
  logger?: Pick<Logger, 'warn'>,
): Promise<void> {
  for (const result of results) {
    if (!result) continue;
    try {
      await events.publish({ type: BILLING_EVENTS.subscriptionChanged, brandId, clientId: result.clientId, payload: result });
      if (result.clientStatus) {
        await events.publish({
          type: BILLING_EVENTS.clientStatusChanged,
          brandId,
          clientId: result.clientId,
          payload: { clientId: result.clientId, from: result.clientStatus.from, to: result.clientStatus.to },
        });
      }
    } catch (error) {
      logger?.warn({ err: error, subscriptionId: result.subscriptionId }, 'billing event not published');
    }
  }
}
