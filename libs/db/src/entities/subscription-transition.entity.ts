import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { SUBSCRIPTION_STATUSES, Subscription, type SubscriptionStatus } from './subscription.entity';

/** One move of a subscription's state, with what caused it: the audit trail of billing. */
@Entity({ tableName: 'subscription_transitions' })
@Index({ properties: ['subscription', 'at'] })
export class SubscriptionTransition extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Subscription, { deleteRule: 'cascade' })
  subscription!: Subscription;

  @Enum({ items: () => SUBSCRIPTION_STATUSES, type: 'string', length: 20, nullable: true })
  fromStatus?: SubscriptionStatus | null;

  @Enum({ items: () => SUBSCRIPTION_STATUSES, type: 'string', length: 20 })
  toStatus!: SubscriptionStatus;

  /** Machine-readable cause: `webhook:payment.failed`, `dunning:grace_expired`, `client:cancel`, `admin:plan_change`. */
  @Property({ type: 'string', length: 80 })
  cause!: string;

  /** The provider's event id or the user id behind it, when there is one. */
  @Property({ type: 'string', length: 255, nullable: true })
  causeRef?: string | null;

  @Property({ type: 'datetime' })
  at: Date & Opt = new Date();
}
