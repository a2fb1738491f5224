import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const USER_ROLES = ['operator', 'brand_admin', 'client_owner', 'client_staff'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * A person who signs in. Operators belong to no brand; brand admins to a brand; owners and staff to a
 * client (and its brand). An e-mail is unique within its brand, so one person may use two brands.
 */
@Entity({ tableName: 'users' })
@Unique({ properties: ['brand', 'email'] })
@Index({ properties: ['email'] })
export class User extends BaseEntity {
  @ManyToOne(() => Brand, { nullable: true, deleteRule: 'cascade' })
  brand?: Brand | null;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'cascade' })
  client?: Client | null;

  /** Stored lower-cased. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 120 })
  name!: string;

  @Enum({ items: () => USER_ROLES, type: 'string', length: 20 })
  role!: UserRole;

  /** Argon2id PHC string; null for users who only sign in by magic link. */
  @Property({ type: 'string', length: 255, nullable: true, hidden: true, lazy: true })
  passwordHash?: string | null;

  /** The user's own language choice, ahead of the client's and the brand's. */
  @Property({ type: 'string', length: 10, nullable: true })
  locale?: string | null;

  @Property({ type: 'datetime', nullable: true })
  lastLoginAt?: Date | null;
}
