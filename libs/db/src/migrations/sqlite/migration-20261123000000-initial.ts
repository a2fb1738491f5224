import { Migration } from '@mikro-orm/migrations';

/** Brands, clients, users, sessions, magic links and per-tenant plugin settings (sqlite). */
export class Migration20261123000000Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table `brands` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `name` text not null, `slug` text not null, `domains` json not null, `theme_id` text not null default \'default\', `logo_url` text null, `theme_tokens` json not null, `default_locale` text not null default \'en\', `support_email` text not null, `sender_email` text not null, `currency` text not null default \'USD\')');
    this.addSql('create unique index `brands_slug_unique` on `brands` (`slug`)');
    this.addSql('create table `clients` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `name` text not null, `slug` text not null, `profession_pack` text not null, `timezone` text not null default \'America/New_York\', `locale` text not null default \'en\', `status` text check (`status` in (\'onboarding\', \'active\', \'suspended\', \'canceled\')) not null default \'active\', constraint `clients_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)');
    this.addSql('create index `clients_brand_id_index` on `clients` (`brand_id`)');
    this.addSql('create unique index `clients_brand_id_slug_unique` on `clients` (`brand_id`, `slug`)');
    this.addSql('create table `plugin_settings` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text null, `plugin_id` text not null, `encrypted_config` text not null, constraint `plugin_settings_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `plugin_settings_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)');
    this.addSql('create index `plugin_settings_brand_id_index` on `plugin_settings` (`brand_id`)');
    this.addSql('create index `plugin_settings_client_id_index` on `plugin_settings` (`client_id`)');
    this.addSql('create unique index `plugin_settings_brand_id_client_id_plugin_id_unique` on `plugin_settings` (`brand_id`, `client_id`, `plugin_id`)');
    this.addSql('create table `users` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text null, `client_id` text null, `email` text not null, `name` text not null, `role` text check (`role` in (\'operator\', \'brand_admin\', \'client_owner\', \'client_staff\')) not null, `password_hash` text null, `locale` text null, `last_login_at` datetime null, constraint `users_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `users_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)');
    this.addSql('create index `users_brand_id_index` on `users` (`brand_id`)');
    this.addSql('create index `users_client_id_index` on `users` (`client_id`)');
    this.addSql('create index `users_email_index` on `users` (`email`)');
    this.addSql('create unique index `users_brand_id_email_unique` on `users` (`brand_id`, `email`)');
    this.addSql('create table `sessions` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `user_id` text not null, `brand_id` text null, `client_id` text null, `token_hash` text not null, `expires_at` datetime not null, `revoked_at` datetime null, `user_agent` text null, constraint `sessions_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade, constraint `sessions_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `sessions_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)');
    this.addSql('create index `sessions_user_id_index` on `sessions` (`user_id`)');
    this.addSql('create index `sessions_brand_id_index` on `sessions` (`brand_id`)');
    this.addSql('create index `sessions_client_id_index` on `sessions` (`client_id`)');
    this.addSql('create index `sessions_token_hash_index` on `sessions` (`token_hash`)');
    this.addSql('create table `magic_links` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `user_id` text not null, `brand_id` text null, `client_id` text null, `token_hash` text not null, `expires_at` datetime not null, `used_at` datetime null, constraint `magic_links_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade, constraint `magic_links_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `magic_links_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)');
    this.addSql('create index `magic_links_user_id_index` on `magic_links` (`user_id`)');
    this.addSql('create index `magic_links_brand_id_index` on `magic_links` (`brand_id`)');
    this.addSql('create index `magic_links_client_id_index` on `magic_links` (`client_id`)');
    this.addSql('create index `magic_links_token_hash_index` on `magic_links` (`token_hash`)');
  }
}
