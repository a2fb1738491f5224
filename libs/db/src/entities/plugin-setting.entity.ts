import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * A brand's (or a client's) settings for one plugin: its vendor credentials. Stored encrypted with
 * AAD `plugin-setting:<brand>:<client|->:<plugin>`, so a ciphertext copied to another row fails to decrypt.
 */
@Entity({ tableName: 'plugin_settings' })
@Unique({ properties: ['brand', 'client', 'pluginId'] })
export class PluginSetting extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'cascade' })
  client?: Client | null;

  @Property({ type: 'string', length: 63 })
  pluginId!: string;

  @Property({ type: 'text' })
  encryptedConfig!: string;
}
