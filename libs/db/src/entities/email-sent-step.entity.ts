import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { EmailEnrollment } from './email-enrollment.entity';

/**
 * A step of an enrollment claimed for sending. The unique (enrollment, step) is what keeps a step from
 * being sent twice when the sweep runs twice or on two replicas: whoever inserts the row sends.
 */
@Entity({ tableName: 'email_sent_steps' })
@Unique({ properties: ['enrollment', 'step'] })
export class EmailSentStep extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => EmailEnrollment, { deleteRule: 'cascade' })
  enrollment!: EmailEnrollment;

  @Property({ type: 'integer' })
  step!: number;

  @Property({ type: 'string', length: 80 })
  templateId!: string;

  /** Our id of the message (in its tracking links), not the transport's Message-ID. */
  @Property({ type: 'string', length: 64 })
  messageId!: string;

  /** `sent`, or `skipped` when the step's condition said no. */
  @Property({ type: 'string', length: 10 })
  outcome: string & Opt = 'sent';

  @Property({ type: 'datetime' })
  sentAt!: Date;
}
