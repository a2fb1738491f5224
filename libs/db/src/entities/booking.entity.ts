import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const BOOKING_STATUSES = ['held', 'confirmed', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export interface BookingChange {
  at: string;
  action: 'held' | 'confirmed' | 'rescheduled' | 'cancelled' | 'expired';
  /** `call:<sid>`, `user:<id>`, `system`. */
  by: string;
  from?: string;
  to?: string;
}

/**
 * An appointment in a client's built-in calendar. A `held` booking keeps its slot until `holdExpiresAt`
 * while the caller confirms. The slot itself is claimed through {@link BookingSlot} rows, whose unique
 * key makes a double booking impossible whatever the concurrency.
 */
@Entity({ tableName: 'bookings' })
@Index({ properties: ['client', 'startsAt'] })
@Index({ properties: ['client', 'callerPhone'] })
@Unique({ properties: ['client', 'idempotencyKey'] })
export class Booking extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @Property({ type: 'string', length: 63 })
  serviceId!: string;

  @Property({ type: 'string', length: 120 })
  serviceName!: string;

  /** Typical value of the service when booked, in minor units of `currency`. */
  @Property({ type: 'integer' })
  valueMinor: number & Opt = 0;

  @Property({ type: 'string', length: 3 })
  currency: string & Opt = 'USD';

  @Property({ type: 'datetime' })
  startsAt!: Date;

  @Property({ type: 'datetime' })
  endsAt!: Date;

  /** Which of the client's `capacity` resources (chair, van) it uses, from 0. */
  @Property({ type: 'integer' })
  resource: number & Opt = 0;

  @Enum({ items: () => BOOKING_STATUSES, type: 'string', length: 12 })
  status: BookingStatus & Opt = 'held';

  @Property({ type: 'datetime', nullable: true })
  holdExpiresAt?: Date | null;

  @Property({ type: 'string', length: 120, nullable: true })
  callerName?: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  callerPhone?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  callSid?: string | null;

  /** Same key, same booking: `call:<sid>:<service>:<start ISO>` for the agent's bookings. */
  @Property({ type: 'string', length: 200 })
  idempotencyKey!: string;

  @Property({ type: 'json' })
  changes: BookingChange[] & Opt = [];
}
