import { TeroError, type PaymentSubscriptionStatus } from '@tero/sdk';
import type { SubscriptionStatus } from '@tero/db';

/**
 * The subscription state machine: `incomplete → trialing → active → past_due → suspended → canceled`.
 * Each status lists where it may go. `canceled` is final; a client who comes back starts a new subscription.
 */
export const SUBSCRIPTION_TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
  incomplete: ['trialing', 'active', 'canceled'],
  trialing: ['active', 'past_due', 'canceled'],
  active: ['past_due', 'canceled'],
  past_due: ['active', 'suspended', 'canceled'],
  suspended: ['active', 'canceled'],
  canceled: [],
};

export function canTransition(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return SUBSCRIPTION_TRANSITIONS[from].includes(to);
}

export class SubscriptionTransitionError extends TeroError {
  constructor(from: SubscriptionStatus, to: SubscriptionStatus) {
    super('billing.transition_refused', `a subscription cannot go from ${from} to ${to}`, { from, to }, { status: 409 });
  }
}

/**
 * Our status for the vendor's view. The vendor knows nothing of our grace period: a vendor `past_due`
 * keeps a `suspended` subscription suspended (dunning decides), and `paused` counts as `past_due`.
 */
export function statusFromVendor(current: SubscriptionStatus, vendor: PaymentSubscriptionStatus): SubscriptionStatus {
  switch (vendor) {
    case 'incomplete':
      return current;
    case 'trialing':
      return current === 'incomplete' ? 'trialing' : current;
    case 'active':
      // Only a payment lifts past_due or suspended: the vendor's "active" may be an older state delivered
      // after the failure (Stripe sends both in the same second, in no promised order).
      return current === 'past_due' || current === 'suspended' ? current : 'active';
    case 'past_due':
    case 'paused':
      return current === 'suspended' ? 'suspended' : 'past_due';
    case 'canceled':
      return 'canceled';
  }
}

/** Statuses in which the client's agent answers as usual. */
export const SERVING_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due'];

/** Statuses of a subscription still in force (not yet ended), one per client at most, a switch aside. */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['incomplete', 'trialing', 'active', 'past_due', 'suspended'];
