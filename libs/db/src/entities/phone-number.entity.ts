import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const PHONE_NUMBER_STATES = ['available', 'reserved', 'assigned', 'released', 'quarantined'] as const;
export type PhoneNumberState = (typeof PHONE_NUMBER_STATES)[number];

/** Whether jambonz holds what this row says: `pending` until the reconciler has mirrored the last change. */
export const PHONE_NUMBER_SYNC_STATES = ['pending', 'synced', 'error'] as const;
export type PhoneNumberSyncState = (typeof PHONE_NUMBER_SYNC_STATES)[number];

/**
 * A phone number the brand manages. An `assigned` number routes its calls to its client; the calls
 * webhook looks numbers up by `number` (E.164, unique across the instance). The pool moves it through
 * available → reserved → assigned → released → quarantined → available; the reconciler mirrors each
 * change in jambonz (`syncState`).
 */
@Entity({ tableName: 'phone_numbers' })
@Index({ properties: ['brand', 'state', 'country'] })
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

  /** ISO 3166-1 alpha-2 country of the number (`US`), for the availability search. */
  @Property({ type: 'string', length: 2, nullable: true })
  country?: string | null;

  /** jambonz `voip_carrier_sid` the number arrives on. */
  @Property({ type: 'string', length: 64, nullable: true })
  carrierSid?: string | null;

  /** When `state` last changed. */
  @Property({ type: 'datetime', nullable: true })
  stateChangedAt?: Date | null;

  /** A `reserved` number returns to `available` after this unless it is assigned. */
  @Property({ type: 'datetime', nullable: true })
  reservedUntil?: Date | null;

  /** A `quarantined` number becomes `available` again after this. */
  @Property({ type: 'datetime', nullable: true })
  quarantinedUntil?: Date | null;

  /** The client the number belonged to before its release: quarantine keeps it from being recycled to someone else too soon, and lets it come back to the same client. */
  @Property({ type: 'uuid', nullable: true })
  previousClientId?: string | null;

  /** jambonz's `phone_number_sid` once the reconciler created it there. */
  @Property({ type: 'string', length: 64, nullable: true })
  jambonzSid?: string | null;

  /** null: the brand has no jambonz connection, nothing to mirror. */
  @Index()
  @Enum({ items: () => PHONE_NUMBER_SYNC_STATES, type: 'string', length: 10, nullable: true })
  syncState?: PhoneNumberSyncState | null;

  @Property({ type: 'text', nullable: true })
  syncError?: string | null;

  @Property({ type: 'datetime', nullable: true })
  syncedAt?: Date | null;
}
