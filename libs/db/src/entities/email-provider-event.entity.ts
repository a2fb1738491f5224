import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

/** An e-mail vendor's webhook event taken once: a vendor retrying a delivery finds its id here and changes nothing. */
@Entity({ tableName: 'email_provider_events' })
@Unique({ properties: ['brand', 'provider', 'eventId'] })
export class EmailProviderEvent extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  /** The plugin id: `email-sendgrid`. */
  @Property({ type: 'string', length: 60 })
  provider!: string;

  /** The vendor's id of the event (`sg_event_id`). */
  @Property({ type: 'string', length: 120 })
  eventId!: string;

  /** `delivered`, `open`, `bounce`… */
  @Property({ type: 'string', length: 30 })
  kind!: string;

  @Property({ type: 'datetime' })
  receivedAt: Date & Opt = new Date();
}
