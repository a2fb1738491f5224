import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A jambonz account whose webhooks we accept: a brand's (or a client's own). Its webhook secrets (a
 * list, newest first, so a rotation keeps the previous secret valid for a while) are stored encrypted
 * with AAD `jambonz-account:<accountSid>`.
 */
@Entity({ tableName: 'jambonz_accounts' })
export class JambonzAccount extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'cascade' })
  client?: Client | null;

  @Unique()
  @Property({ type: 'string', length: 64 })
  accountSid!: string;

  @Property({ type: 'text' })
  encryptedSecrets!: string;
}
