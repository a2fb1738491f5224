import { Migration } from '@mikro-orm/migrations';

/**
 * A call's turns and timeline events keep their brand and client columns, but not as foreign keys, nor
 * indexed (sqlite): each row goes with its call (deleted with it, by the call's key), and each transcript row
 * paid two more lookups and three more index entries on the call path's busiest write. The call's own
 * index is the leading column of the unique (call, seq) and (call, key) ones. SQLite cannot drop a foreign
 * key, so both tables are rebuilt; no table refers to them.
 */
export class Migration20261128000000TranscriptKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      "create table `call_turns_rebuilt` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `call_id` text not null, `seq` integer not null, `speaker` text check (`speaker` in ('caller', 'agent')) not null, `text` text not null, `confidence` real null, `intent` text null, `at` datetime not null, `stt_latency_ms` integer null, `barged_in` integer not null default false, constraint `call_turns_call_id_foreign` foreign key (`call_id`) references `calls` (`id`) on delete cascade)",
    );
    this.addSql(
      'insert into `call_turns_rebuilt` (`id`, `created_at`, `updated_at`, `brand_id`, `client_id`, `call_id`, `seq`, `speaker`, `text`, `confidence`, `intent`, `at`, `stt_latency_ms`, `barged_in`) select `id`, `created_at`, `updated_at`, `brand_id`, `client_id`, `call_id`, `seq`, `speaker`, `text`, `confidence`, `intent`, `at`, `stt_latency_ms`, `barged_in` from `call_turns`',
    );
    this.addSql('drop table `call_turns`');
    this.addSql('alter table `call_turns_rebuilt` rename to `call_turns`');
    this.addSql('create unique index `call_turns_call_id_seq_unique` on `call_turns` (`call_id`, `seq`)');
    this.addSql('create index `call_turns_text_search_index` on `call_turns` (`call_id`, `text`)');

    this.addSql(
      'create table `call_events_rebuilt` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `call_id` text not null, `key` text not null, `at` datetime not null, `data` json not null, constraint `call_events_call_id_foreign` foreign key (`call_id`) references `calls` (`id`) on delete cascade)',
    );
    this.addSql(
      'insert into `call_events_rebuilt` (`id`, `created_at`, `updated_at`, `brand_id`, `client_id`, `call_id`, `key`, `at`, `data`) select `id`, `created_at`, `updated_at`, `brand_id`, `client_id`, `call_id`, `key`, `at`, `data` from `call_events`',
    );
    this.addSql('drop table `call_events`');
    this.addSql('alter table `call_events_rebuilt` rename to `call_events`');
    this.addSql('create unique index `call_events_call_id_key_unique` on `call_events` (`call_id`, `key`)');
  }
}
