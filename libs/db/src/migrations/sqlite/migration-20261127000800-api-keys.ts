import { Migration } from '@mikro-orm/migrations';

/** Client API keys: the prefix and the secret's hash, scopes, a rate limit per minute, last use and revocation (sqlite). */
export class Migration20261127000800ApiKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `api_keys` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `name` text not null, `prefix` text not null, `secret_hash` text not null, `scopes` json not null, `rate_limit_per_minute` integer not null default 60, `created_by_id` text null, `created_by_name` text null, `last_used_at` datetime null, `revoked_at` datetime null, constraint `api_keys_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `api_keys_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql('create index `api_keys_brand_id_index` on `api_keys` (`brand_id`)');
    this.addSql('create index `api_keys_client_id_index` on `api_keys` (`client_id`)');
    this.addSql('create unique index `api_keys_prefix_unique` on `api_keys` (`prefix`)');
    this.addSql('create index `api_keys_client_id_created_at_index` on `api_keys` (`client_id`, `created_at`)');
  }
}
