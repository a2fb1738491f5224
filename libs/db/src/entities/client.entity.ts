import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

export const CLIENT_STATUSES = ['onboarding', 'active', 'suspended', 'canceled'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/** A business a brand serves: its dashboard lives at `<slug>.<brand domain>`. */
@Entity({ tableName: 'clients' })
@Unique({ properties: ['brand', 'slug'] })
export class Client extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @Property({ type: 'string', length: 120 })
  name!: string;

  @Property({ type: 'string', length: 63 })
  slug!: string;

  /** Id of a profession pack under `profession-packs/`. */
  @Property({ type: 'string', length: 63 })
  professionPack!: string;

  /** IANA time zone: hours, holidays and reports are in it. */
  @Property({ type: 'string', length: 64 })
  timezone: string & Opt = 'America/New_York';

  @Property({ type: 'string', length: 10 })
  locale: string & Opt = 'en';

  @Enum({ items: () => CLIENT_STATUSES, type: 'string', length: 20 })
  status: ClientStatus & Opt = 'active';
}
