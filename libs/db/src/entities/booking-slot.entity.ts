import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Booking } from './booking.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * One slot unit (the ledger's grid, 5 minutes) of one resource claimed by a booking. The unique key
 * (client, resource, start) is what makes two bookings of the same time impossible: the database refuses
 * the second insert, on SQLite and on PostgreSQL alike.
 */
@Entity({ tableName: 'booking_slots' })
@Unique({ properties: ['client', 'resource', 'slotStart'] })
export class BookingSlot extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Booking, { deleteRule: 'cascade' })
  booking!: Booking;

  @Property({ type: 'integer' })
  resource!: number;

  @Property({ type: 'datetime' })
  slotStart!: Date;
}
