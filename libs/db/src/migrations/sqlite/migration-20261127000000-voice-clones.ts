import { Migration } from '@mikro-orm/migrations';

/** Voice cloning: a client's voice samples, the cloning job's progress and the vendor's voice (sqlite). */
export class Migration20261127000000VoiceClones extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `voice_clones` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `status` text check (`status` in ('samples', 'cloning', 'ready', 'failed', 'standard')) not null default 'samples', `engine` text null, `vendor_voice_id` text null, `language` text not null, `samples` json not null, `progress` integer not null default 0, `attempts` integer not null default 0, `last_error` text null, `preview_key` text null, `preview_content_type` text null, `ready_at` datetime null, constraint `voice_clones_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `voice_clones_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql("create index `voice_clones_brand_id_index` on `voice_clones` (`brand_id`)");
    this.addSql("create unique index `voice_clones_client_id_unique` on `voice_clones` (`client_id`)");
  }
}
