import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

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
}
