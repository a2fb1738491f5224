import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A call as jambonz recorded it (`GET /Accounts/{sid}/RecentCalls`), ingested for monitoring: the SIP
 * view (carrier, status, termination) beside our own call record. The client is the one the number
 * belonged to, when it is one of ours.
 */
@Entity({ tableName: 'jambonz_call_records' })
@Unique({ properties: ['brand', 'callSid'] })
@Index({ properties: ['brand', 'attemptedAt'] })
@Index({ properties: ['client', 'attemptedAt'] })
export class JambonzCallRecord extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'set null' })
  client?: Client | null;

  @Property({ type: 'string', length: 64 })
  callSid!: string;

  @Property({ type: 'string', length: 10 })
  direction!: string;

  @Property({ type: 'string', length: 64 })
  fromNumber!: string;

  @Property({ type: 'string', length: 64 })
  toNumber!: string;

  /** The carrier (jambonz `trunk`). */
  @Property({ type: 'string', length: 120, nullable: true })
  trunk?: string | null;

  @Property({ type: 'integer' })
  sipStatus!: number;

  @Property({ type: 'string', length: 60, nullable: true })
  terminationReason?: string | null;

  @Property({ type: 'boolean' })
  answered!: boolean;

  @Property({ type: 'integer' })
  durationSeconds!: number;

  @Property({ type: 'datetime' })
  attemptedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  answeredAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  terminatedAt?: Date | null;
}
