import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A verified payment webhook event, kept once per (brand, provider, event id): the inbox that makes a
 * delivery repeated by the vendor have the effect of one.
 */
@Entity({ tableName: 'payment_events' })
@Unique({ properties: ['brand', 'provider', 'eventId'] })
@Index({ properties: ['brand', 'receivedAt'] })
export class PaymentEvent extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  /** Known once the event was matched to a subscription. */
  @ManyToOne(() => Client, { deleteRule: 'cascade', nullable: true })
  client?: Client | null;

  @Property({ type: 'string', length: 63 })
  provider!: string;

  @Property({ type: 'string', length: 255 })
  eventId!: string;

  /** Normalized type (`payment.failed`) or `unknown`. */
  @Property({ type: 'string', length: 40 })
  type!: string;

  @Property({ type: 'string', length: 100 })
  vendorType!: string;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'datetime' })
  receivedAt: Date & Opt = new Date();

  /** What applying it did: `applied`, `stale` (older than the state it would change), `unmatched`, `ignored`. */
  @Property({ type: 'string', length: 20 })
  outcome: string & Opt = 'applied';

  /** The normalized event, for the admin's view and re-processing. */
  @Property({ type: 'json' })
  payload: Record<string, unknown> & Opt = {};
}
