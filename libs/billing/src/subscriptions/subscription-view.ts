import type { BillingInterval, Subscription, SubscriptionStatus } from '@tero/db';
import { type PlanView, planView } from '../plans/plans.service';
import { LIVE_STATUSES, SERVING_STATUSES } from './subscription-state';

/** The next charge a client can expect, and through which provider. */
export interface NextCharge {
  at: Date;
  amountMinor: number;
  currency: string;
  provider: string;
}

/** A switch of provider under way: the new subscription, which takes over at `startsAt`. */
export interface PendingSwitch {
  subscriptionId: string;
  provider: string;
  /** `incomplete` until the customer finished the new provider's checkout. */
  status: SubscriptionStatus;
  startsAt: Date | null;
}

/** A client's subscription as billing pages and the API show it. */
export interface SubscriptionView {
  id: string;
  clientId: string;
  status: SubscriptionStatus;
  /** The agent answers as usual (trialing, active, past_due). */
  serving: boolean;
  provider: string;
  interval: BillingInterval;
  plan: PlanView;
  /** What each interval costs, tax included. */
  amountMinor: number;
  currency: string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  trialEndsAt: Date | null;
  startsAt: Date | null;
  pastDueSince: Date | null;
  canceledAt: Date | null;
  nextCharge: NextCharge | null;
  pendingSwitch: PendingSwitch | null;
}

const isLive = (s: Pick<Subscription, 'status'>) => LIVE_STATUSES.includes(s.status);
const newestFirst = (a: Pick<Subscription, 'createdAt'>, b: Pick<Subscription, 'createdAt'>) => b.createdAt.getTime() - a.createdAt.getTime();

/**
 * Picks, among a client's subscriptions, the one in force and a switch waiting to take over from it.
 * A subscription that replaces another still live is the pending switch; among the others, one past its
 * checkout wins over one still `incomplete` (a checkout the customer may have abandoned), the newest first.
 */
export function inForce<S extends Pick<Subscription, 'id' | 'status' | 'replacesId' | 'createdAt'>>(subscriptions: readonly S[]): { current: S | null; pending: S | null } {
  const live = subscriptions.filter(isLive).sort(newestFirst);
  const liveIds = new Set(live.map((s) => s.id));
  const candidates = live.filter((s) => !(s.replacesId && liveIds.has(s.replacesId)));
  const current = candidates.find((s) => s.status !== 'incomplete') ?? candidates[0] ?? null;
  if (!current) return { current: null, pending: null };
  const replacing = live.filter((s) => s.replacesId === current.id);
  const pending = replacing.find((s) => s.status !== 'incomplete') ?? replacing[0] ?? null;
  return { current, pending };
}

/** When the customer is charged next: the trial's end, the period's end, or the switch's start. */
export function nextChargeOf(subscription: Subscription, pending: Subscription | null): NextCharge | null {
  const of = (s: Subscription, at: Date | null | undefined): NextCharge | null =>
    at ? { at, amountMinor: s.amountMinor, currency: s.currency, provider: s.provider } : null;
  if (pending && pending.status !== 'incomplete') return of(pending, pending.startsAt ?? subscription.currentPeriodEnd);
  if (subscription.cancelAtPeriodEnd) return null;
  switch (subscription.status) {
    case 'trialing':
      return of(subscription, subscription.trialEndsAt ?? subscription.startsAt ?? subscription.currentPeriodEnd);
    case 'active':
    case 'past_due':
      return of(subscription, subscription.currentPeriodEnd);
    default:
      return null;
  }
}

/** The view of a subscription (its plan loaded), with the switch pending on it. */
export function subscriptionView(subscription: Subscription, pending: Subscription | null): SubscriptionView {
  return {
    id: subscription.id,
    clientId: subscription.client.id,
    status: subscription.status,
    serving: SERVING_STATUSES.includes(subscription.status),
    provider: subscription.provider,
    interval: subscription.interval,
    plan: planView(subscription.plan),
    amountMinor: subscription.amountMinor,
    currency: subscription.currency,
    currentPeriodStart: subscription.currentPeriodStart ?? null,
    currentPeriodEnd: subscription.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    trialEndsAt: subscription.trialEndsAt ?? null,
    startsAt: subscription.startsAt ?? null,
    pastDueSince: subscription.pastDueSince ?? null,
    canceledAt: subscription.canceledAt ?? null,
    nextCharge: nextChargeOf(subscription, pending),
    pendingSwitch: pending ? { subscriptionId: pending.id, provider: pending.provider, status: pending.status, startsAt: pending.startsAt ?? null } : null,
  };
}
