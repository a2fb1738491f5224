import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

export const JAMBONZ_CONNECTION_STATUSES = ['pending', 'ok', 'error'] as const;
export type JambonzConnectionStatus = (typeof JAMBONZ_CONNECTION_STATUSES)[number];

/**
 * A brand's self-hosted jambonz, as we drive it through its REST API: where it is, the account our
 * application lives in, and the API key (encrypted with AAD `jambonz-api-key:<brandId>`). The reconciler
 * keeps our application, the brand's numbers and the webhook secret in sync with it and records here
 * how the last pass went; the monitoring jobs keep their cursors here.
 */
@Entity({ tableName: 'jambonz_connections' })
export class JambonzConnection extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade', unique: true })
  brand!: Brand;

  /** `https://jambonz.example.com/api` (the part before `/v1`). */
  @Property({ type: 'string', length: 300 })
  baseUrl!: string;

  @Property({ type: 'string', length: 64 })
  accountSid!: string;

  @Property({ type: 'text' })
  encryptedApiKey!: string;

  /** The carrier new numbers are created on when the import names none. */
  @Property({ type: 'string', length: 64, nullable: true })
  carrierSid?: string | null;

  /** Our application in jambonz, once the reconciler created it. */
  @Property({ type: 'string', length: 64, nullable: true })
  applicationSid?: string | null;

  @Enum({ items: () => JAMBONZ_CONNECTION_STATUSES, type: 'string', length: 10 })
  status: JambonzConnectionStatus & Opt = 'pending';

  /** What went wrong last, as shown to the admin (jambonz's own message included). */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  /** Failed passes in a row: the backoff grows with it. */
  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  lastSyncedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  secretRotatedAt?: Date | null;

  /** RecentCalls ingested up to here (attempted_at). */
  @Property({ type: 'datetime', nullable: true })
  callsPolledUntil?: Date | null;

  /** Alerts ingested up to here (time). */
  @Property({ type: 'datetime', nullable: true })
  alertsPolledUntil?: Date | null;

  /**
   * Numbers (E.164) deleted from our pool that the reconciler still has to delete in jambonz; each leaves
   * the list once jambonz confirmed it (or no longer has it).
   */
  @Property({ type: 'json', nullable: true })
  numbersToDelete?: string[] | null;
}
