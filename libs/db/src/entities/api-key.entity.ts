import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/** What a client API key may read; each `/api/v1` route of the client API needs one of these. */
export const API_KEY_SCOPES = ['calls:read', 'bookings:read', 'messages:read', 'analytics:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * A key a client's owner made for the client API. The full key (`<prefix>_<secret>`) is shown once, when
 * made; only the prefix (to find the row and to recognise the key in a list) and the SHA-256 of the
 * secret are kept. The secret is 32 random bytes, so a fast hash is enough: nothing can be guessed from it.
 */
@Entity({ tableName: 'api_keys' })
@Index({ properties: ['client', 'createdAt'] })
export class ApiKey extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  /** The owner's label: "Zapier", "our CRM sync". */
  @Property({ type: 'string', length: 80 })
  name!: string;

  /** `tero_live_ab12cd34`: unique, shown in lists, the first part of the key. */
  @Property({ type: 'string', length: 40, unique: true })
  prefix!: string;

  /** Hex SHA-256 of the secret part. */
  @Property({ type: 'string', length: 64 })
  secretHash!: string;

  @Property({ type: 'json' })
  scopes!: ApiKeyScope[];

  @Property({ type: 'integer' })
  rateLimitPerMinute: number & Opt = 60;

  /** The user who made it (kept as an id and a name: the key outlives the user's account). */
  @Property({ type: 'uuid', nullable: true })
  createdById?: string | null;

  @Property({ type: 'string', length: 120, nullable: true })
  createdByName?: string | null;

  /** Refreshed at most once a minute, so a busy key does not write on every request. */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
