import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A brand admin's entry into one of the brand's clients (the drill-down from the brand overview into the
 * client's dashboard): who, when, from where. Kept when the admin's user is deleted (the id and e-mail are
 * copied, not referenced); a deleted client leaves its rows with the slug it had.
 */
@Entity({ tableName: 'admin_access_log' })
@Index({ properties: ['brand', 'createdAt'] })
export class AdminAccessLog extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'set null', nullable: true })
  client?: Client | null;

  @Property({ type: 'string', length: 63 })
  clientSlug!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 254 })
  userEmail!: string;

  /** What the admin opened: `dashboard`. */
  @Property({ type: 'string', length: 40 })
  action: string & Opt = 'dashboard';

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  userAgent?: string | null;
}
