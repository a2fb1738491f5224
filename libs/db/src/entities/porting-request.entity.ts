import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const PORTING_STATUSES = ['submitted', 'in_progress', 'completed', 'rejected', 'cancelled'] as const;
export type PortingStatus = (typeof PORTING_STATUSES)[number];

/** A document the client uploaded for a port (a bill, a letter of authorization), kept in file storage. */
export interface PortingDocument {
  storageKey: string;
  fileName: string;
  contentType: string;
  bytes: number;
  uploadedAt: string;
}

/** A client bringing its own number: the request, its documents and where the port stands. */
@Entity({ tableName: 'porting_requests' })
@Index({ properties: ['brand', 'status'] })
export class PortingRequest extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** E.164. */
  @Property({ type: 'string', length: 16 })
  number!: string;

  /** The carrier the number leaves. */
  @Property({ type: 'string', length: 120 })
  losingCarrier!: string;

  @Property({ type: 'string', length: 60, nullable: true })
  accountNumber?: string | null;

  /** Who signs the authorization, as on the losing carrier's account. */
  @Property({ type: 'string', length: 120 })
  authorizedName!: string;

  @Property({ type: 'json' })
  documents: PortingDocument[] & Opt = [];

  @Enum({ items: () => PORTING_STATUSES, type: 'string', length: 20 })
  status: PortingStatus & Opt = 'submitted';

  /** The latest word from whoever handles the port (a rejection reason, an expected date). */
  @Property({ type: 'text', nullable: true })
  statusNote?: string | null;

  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;
}
