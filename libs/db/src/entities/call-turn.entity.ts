import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Call } from './call.entity';
import { Client } from './client.entity';

export const TURN_SPEAKERS = ['caller', 'agent'] as const;
export type TurnSpeaker = (typeof TURN_SPEAKERS)[number];

/** One utterance in a call, the caller's (as transcribed) or the agent's. */
@Entity({ tableName: 'call_turns' })
// The call log's transcript search (migration call-log-indexes): on PostgreSQL a trigram index (pg_trgm) that
// serves `ilike '%…%'`; on SQLite, which has none, (call_id, text), so that the probe of a call's turns reads
// the index alone. Compared by name only, as every expression index.
@Index({ name: 'call_turns_text_search_index', expression: 'create index "call_turns_text_search_index" on "call_turns" using gin ("text" gin_trgm_ops)' })
@Unique({ properties: ['call', 'seq'] })
export class CallTurn extends BaseEntity {
  // The tenant columns scope every read, but are not foreign keys: the row goes with its call (whose
  // own brand and client are), and the write-behind copies them from the call's session. A key each
  // would cost every transcript row two more lookups (and, on SQLite, two more indexes) on the hottest
  // write of the product; the call's key is served by the unique (call, seq) index.
  @ManyToOne(() => Brand, { createForeignKeyConstraint: false, index: false })
  brand!: Brand;

  @ManyToOne(() => Client, { createForeignKeyConstraint: false, index: false })
  client!: Client;

  @ManyToOne(() => Call, { deleteRule: 'cascade', index: false })
  call!: Call;

  /** Order within the call, from 0. */
  @Property({ type: 'integer' })
  seq!: number;

  @Enum({ items: () => TURN_SPEAKERS, type: 'string', length: 10 })
  speaker!: TurnSpeaker;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'float', nullable: true })
  confidence?: number | null;

  /** What the engine understood (caller turns). */
  @Property({ type: 'string', length: 30, nullable: true })
  intent?: string | null;

  @Property({ type: 'datetime' })
  at!: Date;

  /** Speech-to-text latency jambonz reported, in ms. */
  @Property({ type: 'integer', nullable: true })
  sttLatencyMs?: number | null;

  @Property({ type: 'boolean' })
  bargedIn: boolean & Opt = false;
}
