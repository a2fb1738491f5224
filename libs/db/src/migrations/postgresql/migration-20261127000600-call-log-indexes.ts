import { Migration } from '@mikro-orm/migrations';

/**
 * The call log's indexes and the brand admin's access log (postgresql). Transcript text and caller digits are
 * searched with `ilike '%…%'`, which only a trigram index serves: pg_trgm ships with PostgreSQL (contrib) and
 * is a trusted extension, so the database's owner may create it.
 */
export class Migration20261127000600CallLogIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('create extension if not exists pg_trgm');
    this.addSql('create index "call_turns_text_search_index" on "call_turns" using gin ("text" gin_trgm_ops)');
    this.addSql('create index "calls_from_number_search_index" on "calls" using gin ("from_number" gin_trgm_ops)');
    this.addSql('create index "calls_client_id_outcome_started_at_index" on "calls" ("client_id", "outcome", "started_at")');
    this.addSql('create index "call_recordings_call_id_index" on "call_recordings" ("call_id")');
    this.addSql('create table "admin_access_log" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid null, "client_slug" varchar(63) not null, "user_id" uuid not null, "user_email" varchar(254) not null, "action" varchar(40) not null default \'dashboard\', "ip" varchar(64) null, "user_agent" varchar(255) null, primary key ("id"))');
    this.addSql('create index "admin_access_log_brand_id_created_at_index" on "admin_access_log" ("brand_id", "created_at")');
    this.addSql('alter table "admin_access_log" add constraint "admin_access_log_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "admin_access_log" add constraint "admin_access_log_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete set null');
  }
}
