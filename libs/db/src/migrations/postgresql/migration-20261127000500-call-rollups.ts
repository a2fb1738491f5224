import { Migration } from '@mikro-orm/migrations';

/** Daily call rollups per client and local date, read by the dashboard's summary instead of the calls (postgresql). */
export class Migration20261127000500CallRollups extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "call_rollups" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid not null, "date" varchar(10) not null, "calls" int not null default 0, "ended_calls" int not null default 0, "wanted_calls" int not null default 0, "duration_seconds" int not null default 0, "duration_count" int not null default 0, "revenue_minor" int not null default 0, "missed_recovered" int not null default 0, "outcomes" jsonb not null, "per_hour" jsonb not null, "computed_at" timestamptz not null, primary key ("id"))');
    this.addSql('alter table "call_rollups" add constraint "call_rollups_client_id_date_unique" unique ("client_id", "date")');
    this.addSql('alter table "call_rollups" add constraint "call_rollups_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "call_rollups" add constraint "call_rollups_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
  }
}
