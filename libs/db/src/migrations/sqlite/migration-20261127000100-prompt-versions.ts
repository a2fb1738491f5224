import { Migration } from '@mikro-orm/migrations';

/** The agent's prompt versions: a client's system prompt and greeting per locale, drafts, the published one and the superseded ones (sqlite). */
export class Migration20261127000100PromptVersions extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `prompt_versions` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `locale` text not null, `number` integer not null, `system_prompt` text not null, `greeting` text not null, `status` text check (`status` in ('draft', 'published', 'superseded')) not null default 'draft', `slot` text null, `author_id` text null, `author_name` text not null, `note` text not null default '', `copied_from` integer null, `published_at` datetime null, `scenario_report` json null, constraint `prompt_versions_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `prompt_versions_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade, constraint `prompt_versions_author_id_foreign` foreign key (`author_id`) references `users` (`id`) on delete set null)");
    this.addSql("create index `prompt_versions_brand_id_index` on `prompt_versions` (`brand_id`)");
    this.addSql("create index `prompt_versions_client_id_index` on `prompt_versions` (`client_id`)");
    this.addSql("create index `prompt_versions_author_id_index` on `prompt_versions` (`author_id`)");
    this.addSql("create index `prompt_versions_client_id_locale_status_index` on `prompt_versions` (`client_id`, `locale`, `status`)");
    this.addSql("create unique index `prompt_versions_client_id_locale_slot_unique` on `prompt_versions` (`client_id`, `locale`, `slot`)");
    this.addSql("create unique index `prompt_versions_client_id_locale_number_unique` on `prompt_versions` (`client_id`, `locale`, `number`)");
  }
}
