import { Migration } from '@mikro-orm/migrations';

/** Scheduled reports: each client's choice of daily, weekly and monthly reports, and one row per report sent (sqlite). */
export class Migration20261127000700Reports extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `report_deliveries` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `kind` text not null, `period_key` text not null, `recipients` integer not null default 0, `sent_at` datetime not null, constraint `report_deliveries_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `report_deliveries_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql('create index `report_deliveries_brand_id_index` on `report_deliveries` (`brand_id`)');
    this.addSql('create index `report_deliveries_client_id_index` on `report_deliveries` (`client_id`)');
    this.addSql('create unique index `report_deliveries_client_id_kind_period_key_unique` on `report_deliveries` (`client_id`, `kind`, `period_key`)');
    this.addSql('create table `report_settings` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `daily` integer not null default false, `weekly` integer not null default true, `monthly` integer not null default true, constraint `report_settings_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `report_settings_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)');
    this.addSql('create index `report_settings_brand_id_index` on `report_settings` (`brand_id`)');
    this.addSql('create unique index `report_settings_client_id_unique` on `report_settings` (`client_id`)');
  }
}
