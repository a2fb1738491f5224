import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { User } from './user.entity';

/** A signed-in browser. The cookie holds a random token; only its SHA-256 is stored. */
@Entity({ tableName: 'sessions' })
export class Session extends BaseEntity {
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @ManyToOne(() => Brand, { nullable: true, deleteRule: 'cascade' })
  brand?: Brand | null;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'cascade' })
  client?: Client | null;

  @Index()
  @Property({ type: 'string', length: 64 })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'string', length: 255, nullable: true })
  userAgent?: string | null;
}
