import { Migration } from '@mikro-orm/migrations';

/** Daily call rollups per client and local date, read by the dashboard's summary instead of the calls (sqlite). */
export class Migration20261127000500CallRollups extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `call_rollups` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `date` text not null, `calls` integer not null default 0, `ended_calls` integer not null default 0, `wanted_calls` integer not null default 0, `duration_seconds` integer not null default 0, `duration_count` integer not null default 0, `revenue_minor` integer not null default 0, `missed_recovered` integer not null default 0, `outcomes` json not null, `per_hour` json not null, `computed_at` datetime not null, constraint `call_rollups_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `call_rollups_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql('create index `call_rollups_brand_id_index` on `call_rollups` (`brand_id`)');
    this.addSql('create index `call_rollups_client_id_index` on `call_rollups` (`client_id`)');
    this.addSql('create unique index `call_rollups_client_id_date_unique` on `call_rollups` (`client_id`, `date`)');
  }
}
