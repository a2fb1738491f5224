import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import type { CallOutcome } from './call.entity';

/**
 * One client's calls on one local date (its time zone), added up: what the dashboard, reports and the API
 * read instead of the calls themselves. A row is always recomputed whole from the calls of its day (never
 * incremented), so a repeated or late recompute gives the same figures; `computedAt` is when the calls
 * were read, and an older read never overwrites a newer one.
 */
@Entity({ tableName: 'call_rollups' })
@Unique({ properties: ['client', 'date'] })
export class CallRollup extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** `YYYY-MM-DD`, local to the client. */
  @Property({ type: 'string', length: 10 })
  date!: string;

  /** Calls that started on the date (test calls excluded). */
  @Property({ type: 'integer' })
  calls: number & Opt = 0;

  /** Of those, calls that have ended (they have an outcome). */
  @Property({ type: 'integer' })
  endedCalls: number & Opt = 0;

  /** Of those, calls that ended in a wanted outcome (booked, message taken, answered…). */
  @Property({ type: 'integer' })
  wantedCalls: number & Opt = 0;

  /** Sum of the ended calls' durations, and how many ended calls had one (for the average). */
  @Property({ type: 'integer' })
  durationSeconds: number & Opt = 0;

  @Property({ type: 'integer' })
  durationCount: number & Opt = 0;

  /** Value of the bookings the agent made in these calls, in minor units of the brand's currency. */
  @Property({ type: 'integer' })
  revenueMinor: number & Opt = 0;

  /** After-hours and holiday calls that ended booked or with a message taken. */
  @Property({ type: 'integer' })
  missedRecovered: number & Opt = 0;

  /** Ended calls per outcome (outcomes with none are left out). */
  @Property({ type: 'json' })
  outcomes: Partial<Record<CallOutcome, number>> & Opt = {};

  /** Calls per local hour of the day: 24 numbers (a JSON array reads in one go, where 24 columns would not add anything). */
  @Property({ type: 'json' })
  perHour: number[] & Opt = [];

  /** When the calls were read for these figures. */
  @Property({ type: 'datetime' })
  computedAt!: Date;
}
