import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const PHONE_NUMBER_STATES = ['available', 'reserved', 'assigned', 'released', 'quarantined'] as const;
export type PhoneNumberState = (typeof PHONE_NUMBER_STATES)[number];

/**
 * A phone number the brand manages. An `assigned` number routes its calls to its client; the calls
 * webhook looks numbers up by `number` (E.164, unique across the instance).
 */
@Entity({ tableName: 'phone_numbers' })
export class PhoneNumber extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'set null' })
  client?: Client | null;

  /** E.164: `+15551234567`. */
  @Unique()
  @Property({ type: 'string', length: 16 })
  number!: string;

  @Index()
  @Enum({ items: () => PHONE_NUMBER_STATES, type: 'string', length: 20 })
  state: PhoneNumberState & Opt = 'assigned';

  @Property({ type: 'string', length: 120, nullable: true })
  label?: string | null;
}
