import { Migration } from '@mikro-orm/migrations';

/** The agent's prompt versions: a client's system prompt and greeting per locale, drafts, the published one and the superseded ones (postgresql). */
export class Migration20261127000100PromptVersions extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"prompt_versions\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid not null, \"locale\" varchar(10) not null, \"number\" int not null, \"system_prompt\" text not null, \"greeting\" text not null, \"status\" text not null default 'draft', \"slot\" varchar(12) null, \"author_id\" uuid null, \"author_name\" varchar(200) not null, \"note\" varchar(500) not null default '', \"copied_from\" int null, \"published_at\" timestamptz null, \"scenario_report\" jsonb null, primary key (\"id\"))");
    this.addSql("create index \"prompt_versions_client_id_locale_status_index\" on \"prompt_versions\" (\"client_id\", \"locale\", \"status\")");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_client_id_locale_slot_unique\" unique (\"client_id\", \"locale\", \"slot\")");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_client_id_locale_number_unique\" unique (\"client_id\", \"locale\", \"number\")");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_author_id_foreign\" foreign key (\"author_id\") references \"users\" (\"id\") on delete set null");
    this.addSql("alter table \"prompt_versions\" add constraint \"prompt_versions_status_check\" check (\"status\" in ('draft', 'published', 'superseded'))");
  }
}
