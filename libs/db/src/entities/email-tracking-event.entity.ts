import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const TRACKING_KINDS = ['open', 'click'] as const;
export type TrackingKind = (typeof TRACKING_KINDS)[number];

/**
 * Opens and clicks of one message, one row per (message, kind, link): the first and last time and how
 * often, so a pixel loaded ten times, or a vendor event delivered twice, stays one row.
 */
@Entity({ tableName: 'email_tracking_events' })
@Unique({ properties: ['messageId', 'kind', 'urlKey'] })
@Index({ properties: ['brand', 'firstAt'] })
export class EmailTrackingEvent extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'cascade' })
  client?: Client | null;

  @Property({ type: 'string', length: 64 })
  messageId!: string;

  @Enum({ items: () => TRACKING_KINDS, type: 'string', length: 10 })
  kind!: TrackingKind;

  /** The link clicked; empty for an open. */
  @Property({ type: 'text' })
  url: string & Opt = '';

  /** SHA-256 (hex) of `url`: what the unique index holds, since a link may be longer than an index entry. */
  @Property({ type: 'string', length: 64 })
  urlKey!: string;

  @Property({ type: 'datetime' })
  firstAt!: Date;

  @Property({ type: 'datetime' })
  lastAt!: Date;

  @Property({ type: 'integer' })
  count: number & Opt = 1;
}
