import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

/**
 * An address that must not get a category of a brand's mail: the reader unsubscribed (link or one-click),
 * or the vendor reported a bounce, a spam report or an unsubscribe (category `all`: suppressed).
 */
@Entity({ tableName: 'email_unsubscribes' })
@Unique({ properties: ['brand', 'email', 'category'] })
export class EmailUnsubscribe extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  /** Stored lower-cased. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  /** `onboarding`, `marketing`, or `all` (every non-transactional category; bounces suppress all mail). */
  @Property({ type: 'string', length: 20 })
  category!: string;

  /** `link`, `one-click`, `email-sendgrid:bounce`… */
  @Property({ type: 'string', length: 60 })
  source!: string;

  @Property({ type: 'datetime' })
  at: Date & Opt = new Date();
}
