import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { Plan } from './plan.entity';

/** `incomplete → trialing → active → past_due → suspended → canceled`; see libs/billing for the allowed moves. */
export const SUBSCRIPTION_STATUSES = ['incomplete', 'trialing', 'active', 'past_due', 'suspended', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const BILLING_INTERVALS = ['month', 'year'] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

/**
 * A client's subscription at one payment provider. A client has at most one live subscription; a switch
 * of provider makes a new row that `replaces` the old one and starts when the old one's paid period ends.
 */
@Entity({ tableName: 'subscriptions' })
@Index({ properties: ['client', 'createdAt'] })
@Unique({ properties: ['provider', 'providerSubscriptionId'] })
export class Subscription extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Plan, { deleteRule: 'restrict' })
  plan!: Plan;

  @Enum({ items: () => BILLING_INTERVALS, type: 'string', length: 10 })
  interval: BillingInterval & Opt = 'month';

  @Enum({ items: () => SUBSCRIPTION_STATUSES, type: 'string', length: 20 })
  status: SubscriptionStatus & Opt = 'incomplete';

  /** Plugin id of the payment provider: `payment-stripe`, `payment-paypal`. */
  @Property({ type: 'string', length: 63 })
  provider!: string;

  @Property({ type: 'string', length: 255, nullable: true })
  providerSubscriptionId?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  providerCustomerId?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  providerPriceId?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  providerCheckoutId?: string | null;

  /** What each interval costs, tax included, in minor units: what the provider charges. */
  @Property({ type: 'integer' })
  amountMinor!: number;

  @Property({ type: 'string', length: 3 })
  currency!: string;

  @Property({ type: 'datetime', nullable: true })
  currentPeriodStart?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  currentPeriodEnd?: Date | null;

  @Property({ type: 'boolean' })
  cancelAtPeriodEnd: boolean & Opt = false;

  @Property({ type: 'datetime', nullable: true })
  trialEndsAt?: Date | null;

  /** When the first charge is due (a provider switch: the old subscription's period end). */
  @Property({ type: 'datetime', nullable: true })
  startsAt?: Date | null;

  /** When the payment failure that started dunning happened; cleared by a payment. */
  @Property({ type: 'datetime', nullable: true })
  pastDueSince?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  canceledAt?: Date | null;

  /** The subscription this one takes over from (a switch of provider). */
  @Property({ type: 'uuid', nullable: true })
  replacesId?: string | null;

  /** The vendor time of the newest subscription state applied: an older state arriving later is ignored. */
  @Property({ type: 'datetime', nullable: true })
  lastVendorEventAt?: Date | null;

  /** Bumped on every change; updates compare it so two webhooks racing cannot both apply. */
  @Property({ type: 'integer' })
  version: number & Opt = 1;
}
