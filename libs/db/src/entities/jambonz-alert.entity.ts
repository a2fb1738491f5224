import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * An alert jambonz raised for the brand's account (`GET /Accounts/{sid}/Alerts`): `webhook-failed`,
 * `bad-application-syntax`, `speech-operation-failed`, `limit-exceeded`… jambonz gives alerts no id, so
 * `fingerprint` (a hash of time, type and message) makes a re-polled page insert nothing twice.
 */
@Entity({ tableName: 'jambonz_alerts' })
@Unique({ properties: ['brand', 'fingerprint'] })
@Index({ properties: ['brand', 'occurredAt'] })
export class JambonzAlert extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @Property({ type: 'string', length: 64 })
  fingerprint!: string;

  @Property({ type: 'string', length: 40 })
  alertType!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'text', nullable: true })
  detail?: string | null;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  /** The call (or other object) jambonz says the alert is about: for a webhook failure, the call whose hook failed. */
  @Property({ type: 'string', length: 64, nullable: true })
  targetSid?: string | null;

  /** The client whose call the alert is about, when the target is a call we know (by its call sid); null otherwise. */
  @ManyToOne(() => Client, { nullable: true, deleteRule: 'set null' })
  client?: Client | null;
}
