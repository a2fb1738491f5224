import { Migration } from '@mikro-orm/migrations';

/**
 * The call log's indexes and the brand admin's access log (sqlite). SQLite has no index for `like '%…%'`:
 * the two search indexes carry PostgreSQL's names (expression indexes are matched by name) over columns that
 * help here — the transcript probe of a call reads (call_id, text) without the table, and the caller's number
 * is read from (client_id, from_number).
 */
export class Migration20261127000600CallLogIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index `call_turns_text_search_index` on `call_turns` (`call_id`, `text`)');
    this.addSql('create index `calls_from_number_search_index` on `calls` (`client_id`, `from_number`)');
    this.addSql('create index `calls_client_id_outcome_started_at_index` on `calls` (`client_id`, `outcome`, `started_at`)');
    this.addSql("create table `admin_access_log` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text null, `client_slug` text not null, `user_id` text not null, `user_email` text not null, `action` text not null default 'dashboard', `ip` text null, `user_agent` text null, constraint `admin_access_log_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `admin_access_log_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete set null)");
    this.addSql('create index `admin_access_log_brand_id_index` on `admin_access_log` (`brand_id`)');
    this.addSql('create index `admin_access_log_client_id_index` on `admin_access_log` (`client_id`)');
    this.addSql('create index `admin_access_log_brand_id_created_at_index` on `admin_access_log` (`brand_id`, `created_at`)');
  }
}
