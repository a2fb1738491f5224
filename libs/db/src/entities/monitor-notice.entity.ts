import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

/**
 * The last time the operator was alerted about one condition (`answer_ratio` on a carrier,
 * `webhook_failures` of a brand): the cool-down reads it, so a condition that lasts mails once per window.
 */
@Entity({ tableName: 'monitor_notices' })
@Unique({ properties: ['brand', 'kind', 'subject'] })
export class MonitorNotice extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  /** `answer_ratio`, `webhook_failures`. */
  @Property({ type: 'string', length: 40 })
  kind!: string;

  /** What it is about within the brand: a carrier, `account`. */
  @Property({ type: 'string', length: 120 })
  subject!: string;

  @Property({ type: 'datetime' })
  lastSentAt!: Date;

  /** Alerts sent for this condition so far. */
  @Property({ type: 'integer' })
  count: number & Opt = 1;
}
