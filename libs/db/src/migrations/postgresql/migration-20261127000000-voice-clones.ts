import { Migration } from '@mikro-orm/migrations';

/** Voice cloning: a client's voice samples, the cloning job's progress and the vendor's voice (postgresql). */
export class Migration20261127000000VoiceClones extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"voice_clones\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid not null, \"status\" text not null default 'samples', \"engine\" varchar(63) null, \"vendor_voice_id\" varchar(200) null, \"language\" varchar(10) not null, \"samples\" jsonb not null, \"progress\" int not null default 0, \"attempts\" int not null default 0, \"last_error\" text null, \"preview_key\" varchar(300) null, \"preview_content_type\" varchar(60) null, \"ready_at\" timestamptz null, primary key (\"id\"))");
    this.addSql("alter table \"voice_clones\" add constraint \"voice_clones_client_id_unique\" unique (\"client_id\")");
    this.addSql("alter table \"voice_clones\" add constraint \"voice_clones_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"voice_clones\" add constraint \"voice_clones_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
    this.addSql("alter table \"voice_clones\" add constraint \"voice_clones_status_check\" check (\"status\" in ('samples', 'cloning', 'ready', 'failed', 'standard'))");
  }
}
