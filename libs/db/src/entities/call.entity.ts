import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/** How a call ended, from the business's point of view: a fixed vocabulary reports rely on. */
export const CALL_OUTCOMES = [
  'booked',
  'rescheduled',
  'cancelled',
  'message_taken',
  'transferred',
  'transfer_failed',
  'answered',
  'voicemail',
  'abandoned',
  'spam',
  'failed',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Why the call took the path it took when it arrived. */
export const CALL_ROUTES = ['open', 'after_hours', 'holiday', 'suspended', 'quota_exceeded', 'blocked', 'emergency', 'fallback'] as const;
export type CallRoute = (typeof CALL_ROUTES)[number];

/** One phone call to a client's number, as jambonz reported it and as the agent handled it. */
@Entity({ tableName: 'calls' })
@Index({ properties: ['client', 'startedAt'] })
// The call log's filters (migration call-log-indexes): an outcome over a date range, and digits anywhere in
// the caller's number — on PostgreSQL a trigram index (pg_trgm) that serves `like '%…%'`, on SQLite, which
// has none, (client_id, from_number). Compared by name only, as every expression index.
@Index({ properties: ['client', 'outcome', 'startedAt'] })
@Index({ name: 'calls_from_number_search_index', expression: 'create index "calls_from_number_search_index" on "calls" using gin ("from_number" gin_trgm_ops)' })
export class Call extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** jambonz's call_sid: unique, the key every hook carries. */
  @Property({ type: 'string', length: 64, unique: true })
  callSid!: string;

  @Property({ type: 'string', length: 10 })
  direction: string & Opt = 'inbound';

  @Property({ type: 'string', length: 64 })
  fromNumber!: string;

  @Property({ type: 'string', length: 64 })
  toNumber!: string;

  @Property({ type: 'string', length: 120, nullable: true })
  callerName?: string | null;

  /** The last call_status jambonz reported. */
  @Property({ type: 'string', length: 20 })
  status: string & Opt = 'trying';

  @Enum({ items: () => CALL_ROUTES, type: 'string', length: 20 })
  route!: CallRoute;

  @Enum({ items: () => CALL_OUTCOMES, type: 'string', length: 20, nullable: true })
  outcome?: CallOutcome | null;

  @Property({ type: 'string', length: 10 })
  locale: string & Opt = 'en';

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  endedAt?: Date | null;

  /** As jambonz reported on `completed`. */
  @Property({ type: 'integer', nullable: true })
  durationSeconds?: number | null;

  /** Seconds metered to the client (the duration, rounded up to whole seconds; 0 for calls never answered). */
  @Property({ type: 'integer' })
  billableSeconds: number & Opt = 0;

  @Property({ type: 'boolean' })
  aiDisclosed: boolean & Opt = false;

  /** Recorded after the disclosure was spoken; null when the client does not record. */
  @Property({ type: 'boolean', nullable: true })
  recordingConsent?: boolean | null;

  @Property({ type: 'string', length: 20, nullable: true })
  transferTo?: string | null;

  @Property({ type: 'uuid', nullable: true })
  bookingId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  messageId?: string | null;

  @Property({ type: 'integer' })
  turnCount: number & Opt = 0;
}
