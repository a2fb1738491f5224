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
  // The tenant columns scope every read, but are not foreign keys: the row goes with its call (whose
  // own brand and client are), and the write-behind copies them from the call's session. A key each
  // would cost every transcript row two more lookups (and, on SQLite, two more indexes) on the hottest
  // write of the product; the call's key is served by the unique (call, key) index.
  @ManyToOne(() => Brand, { createForeignKeyConstraint: false, index: false })
  brand!: Brand;

  @ManyToOne(() => Client, { createForeignKeyConstraint: false, index: false })
  client!: Client;

  @ManyToOne(() => Call, { deleteRule: 'cascade', index: false })
  call!: Call;

  /** `status:<call_status>`, `route`, `transfer`, `disclosure`… */
  @Property({ type: 'string', length: 60 })
  key!: string;

  @Property({ type: 'datetime' })
  at!: Date;

  @Property({ type: 'json' })
  data: Record<string, unknown> & Opt = {};
}
