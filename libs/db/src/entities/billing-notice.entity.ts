import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A billing notice sent to a client (dunning reminder, quota warning, suspension), once per kind and key:
 * a job run twice, or on two workers, e-mails once.
 */
@Entity({ tableName: 'billing_notices' })
@Unique({ properties: ['client', 'kind', 'key'] })
export class BillingNotice extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** `dunning_reminder`, `quota_80`, `quota_100`, `suspended`, `reactivated`, `invoice`. */
  @Property({ type: 'string', length: 40 })
  kind!: string;

  /** What makes it unique within its kind: `<subscription>:<past due since>:day3`, `<subscription>:<period start>`. */
  @Property({ type: 'string', length: 255 })
  key!: string;

  @Property({ type: 'datetime' })
  sentAt: Date & Opt = new Date();
}
