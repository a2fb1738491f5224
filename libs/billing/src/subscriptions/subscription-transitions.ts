import { FlushMode, type EntityManager } from '@mikro-orm/core';
import { Client, Subscription, SubscriptionTransition, type ClientStatus, type SubscriptionStatus } from '@tero/db';
import { SubscriptionTransitionError, canTransition } from './subscription-state';

/** Why a subscription moved, recorded with the move. */
export interface TransitionCause {
  /** `webhook:payment.failed`, `dunning:grace_expired`, `client:cancel`, `checkout:started`. */
  cause: string;
  /** The provider's event id, the job id or the user id behind it. */
  causeRef?: string | null;
  at?: Date;
}

/** What a transition changed, for the events published after the transaction commits. */
export interface TransitionResult {
  subscriptionId: string;
  clientId: string;
  from: SubscriptionStatus;
  to: SubscriptionStatus;
  /** Set when the client's status changed with it (the call router reads it). */
  clientStatus: { from: ClientStatus; to: ClientStatus } | null;
}

/**
 * The client's status that follows from its subscription's: a suspended or canceled subscription
 * suspends or cancels the client (its calls take the `suspended` route: forwarded to the owner's
 * phone, never dropped); paying again makes it active at once. A client still onboarding stays so until
 * its subscription starts serving.
 */
export function clientStatusFor(current: ClientStatus, subscription: SubscriptionStatus): ClientStatus {
  switch (subscription) {
    case 'suspended':
      return 'suspended';
    case 'canceled':
      return 'canceled';
    case 'trialing':
    case 'active':
    case 'past_due':
      return 'active';
    case 'incomplete':
      return current;
  }
}

/**
 * Moves a subscription to `to` in the caller's unit of work: checks the move is allowed, records it with
 * its cause, bumps the version and brings the client's status along. Nothing is flushed: the caller
 * flushes (or commits its transaction) so that the move and what caused it land together. Returns null
 * when the subscription is already in `to`.
 */
export async function transitionSubscription(
  em: EntityManager,
  subscription: Subscription,
  to: SubscriptionStatus,
  why: TransitionCause,
): Promise<TransitionResult | null> {
  const from = subscription.status;
  if (from === to) return null;
  if (!canTransition(from, to)) throw new SubscriptionTransitionError(from, to);
  const at = why.at ?? new Date();
  subscription.status = to;
  subscription.version += 1;
  if (to === 'past_due' && !subscription.pastDueSince) subscription.pastDueSince = at;
  if (to === 'active' || to === 'trialing') subscription.pastDueSince = null;
  if (to === 'canceled' && !subscription.canceledAt) subscription.canceledAt = at;
  em.persist(
    em.create(SubscriptionTransition, {
      brand: subscription.brand,
      client: subscription.client,
      subscription,
      fromStatus: from,
      toStatus: to,
      cause: why.cause.slice(0, 80),
      causeRef: why.causeRef?.slice(0, 255) ?? null,
      at,
    }),
  );
  const client = await em.findOneOrFail(Client, subscription.client.id);
  const clientTo = clientStatusFor(client.status, await governingStatus(em, subscription, from, to));
  let clientStatus: TransitionResult['clientStatus'] = null;
  if (clientTo !== client.status) {
    clientStatus = { from: client.status, to: clientTo };
    client.status = clientTo;
  }
  return { subscriptionId: subscription.id, clientId: client.id, from, to, clientStatus };
}

/**
 * The subscription status the client's status follows. Usually the one that moved; but a subscription
 * that never served (a checkout abandoned, failed or superseded: `incomplete → canceled`) leaves the
 * client as it was, and when a subscription ends while another of the client's is in force (a switch of
 * provider: the old one ends at its period end, the new one has taken over), the client follows the one
 * in force, so that the old one's end does not cancel a paying client.
 */
async function governingStatus(em: EntityManager, subscription: Subscription, from: SubscriptionStatus, to: SubscriptionStatus): Promise<SubscriptionStatus> {
  if (to !== 'canceled') return to;
  if (from === 'incomplete') return 'incomplete';
  const others = await em.find(
    Subscription,
    { client: subscription.client.id, id: { $ne: subscription.id }, status: { $in: ['trialing', 'active', 'past_due', 'suspended'] } },
    // Reading must not flush the caller's unit of work half-way (it flushes once, with the move and its cause).
    { orderBy: { createdAt: 'desc' }, flushMode: FlushMode.COMMIT },
  );
  return others[0]?.status ?? to;
}

/**
 * Records a change of a subscription that is not a move of its status (a plan change, a cancellation
 * scheduled for the period's end, a provider switch scheduled), as a transition row from and to the
 * same status: the audit trail keeps every change with its cause in one place. Bumps the version.
 */
export function noteSubscriptionChange(em: EntityManager, subscription: Subscription, why: TransitionCause): void {
  subscription.version += 1;
  em.persist(
    em.create(SubscriptionTransition, {
      brand: subscription.brand,
      client: subscription.client,
      subscription,
      fromStatus: subscription.status,
      toStatus: subscription.status,
      cause: why.cause.slice(0, 80),
      causeRef: why.causeRef?.slice(0, 255) ?? null,
      at: why.at ?? new Date(),
    }),
  );
}

/** Records a subscription's creation (`incomplete`, from no status) with its cause. */
export function noteSubscriptionCreated(em: EntityManager, subscription: Subscription, why: TransitionCause): void {
  em.persist(
    em.create(SubscriptionTransition, {
      brand: subscription.brand,
      client: subscription.client,
      subscription,
      fromStatus: null,
      toStatus: subscription.status,
      cause: why.cause.slice(0, 80),
      causeRef: why.causeRef?.slice(0, 255) ?? null,
      at: why.at ?? new Date(),
    }),
  );
}
