import { Migration } from '@mikro-orm/migrations';

/** Scheduled reports: each client's choice of daily, weekly and monthly reports, and one row per report sent (postgresql). */
export class Migration20261127000700Reports extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "report_deliveries" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid not null, "kind" varchar(10) not null, "period_key" varchar(10) not null, "recipients" int not null default 0, "sent_at" timestamptz not null, primary key ("id"))');
    this.addSql('alter table "report_deliveries" add constraint "report_deliveries_client_id_kind_period_key_unique" unique ("client_id", "kind", "period_key")');
    this.addSql('create table "report_settings" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid not null, "daily" boolean not null default false, "weekly" boolean not null default true, "monthly" boolean not null default true, primary key ("id"))');
    this.addSql('alter table "report_settings" add constraint "report_settings_client_id_unique" unique ("client_id")');
    this.addSql('alter table "report_deliveries" add constraint "report_deliveries_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "report_deliveries" add constraint "report_deliveries_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
    this.addSql('alter table "report_settings" add constraint "report_settings_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "report_settings" add constraint "report_settings_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
  }
}
