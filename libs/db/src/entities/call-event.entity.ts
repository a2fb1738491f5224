import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Call } from './call.entity';
import { Client } from './client.entity';

/**
 * A step of a call's timeline: a status jambonz reported (`status:ringing`), the route taken, a transfer
 * result. `key` is unique per call, so a hook delivered twice records its step once.
 */
@Entity({ tableName: 'call_events' })
@Unique({ properties: ['call', 'key'] })
export class CallEvent extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Call, { deleteRule: 'cascade' })
  call!: Call;

  /** `status:<call_status>`, `route`, `transfer`, `disclosure`… */
  @Property({ type: 'string', length: 60 })
  key!: string;

  @Property({ type: 'datetime' })
  at!: Date;

  @Property({ type: 'json' })
  data: Record<string, unknown> & Opt = {};
}
