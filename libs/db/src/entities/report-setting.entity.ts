import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, OneToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * Which scheduled reports a client receives by e-mail. A client without a row gets the defaults (weekly
 * and monthly, not daily): one row per client, written when the owner changes them on `/reports`.
 */
@Entity({ tableName: 'report_settings' })
export class ReportSetting extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @OneToOne(() => Client, { owner: true, deleteRule: 'cascade', unique: true })
  client!: Client;

  @Property({ type: 'boolean' })
  daily: boolean & Opt = false;

  @Property({ type: 'boolean' })
  weekly: boolean & Opt = true;

  @Property({ type: 'boolean' })
  monthly: boolean & Opt = true;
}
