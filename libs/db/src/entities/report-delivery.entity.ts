import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A scheduled report handed to the mailer: one row per (client, kind, period), inserted before the e-mail
 * is queued, so that sweeps run twice or on two workers send a period's report once.
 */
@Entity({ tableName: 'report_deliveries' })
@Unique({ properties: ['client', 'kind', 'periodKey'] })
export class ReportDelivery extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** `daily`, `weekly` or `monthly`. */
  @Property({ type: 'string', length: 10 })
  kind!: string;

  /** The period in the client's zone: `2026-11-23`, `2026-W47`, `2026-11`. */
  @Property({ type: 'string', length: 10 })
  periodKey!: string;

  /** How many owners it was sent to. */
  @Property({ type: 'integer' })
  recipients: number & Opt = 0;

  @Property({ type: 'datetime' })
  sentAt: Date & Opt = new Date();
}
