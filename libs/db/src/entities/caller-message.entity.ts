import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const MESSAGE_STATUSES = ['new', 'read', 'done'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A message the agent took for the business: who called, how to call back, and what about. */
@Entity({ tableName: 'caller_messages' })
@Index({ properties: ['client', 'createdAt'] })
export class CallerMessage extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** One message per call: the agent updates it if the caller adds to it. */
  @Property({ type: 'string', length: 64, nullable: true, unique: true })
  callSid?: string | null;

  @Property({ type: 'string', length: 120, nullable: true })
  callerName?: string | null;

  @Property({ type: 'string', length: 20 })
  callbackNumber!: string;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'boolean' })
  urgent: boolean & Opt = false;

  @Enum({ items: () => MESSAGE_STATUSES, type: 'string', length: 10 })
  status: MessageStatus & Opt = 'new';
}
