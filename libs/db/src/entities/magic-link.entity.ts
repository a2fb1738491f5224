import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { User } from './user.entity';

/** A one-time sign-in link sent by e-mail. Only the token's SHA-256 is stored; used once, then dead. */
@Entity({ tableName: 'magic_links' })
export class MagicLink extends BaseEntity {
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
  usedAt?: Date | null;
}
