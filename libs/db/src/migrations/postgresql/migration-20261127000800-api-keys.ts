import { Migration } from '@mikro-orm/migrations';

/** Client API keys: the prefix and the secret's hash, scopes, a rate limit per minute, last use and revocation (postgresql). */
export class Migration20261127000800ApiKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "api_keys" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid not null, "name" varchar(80) not null, "prefix" varchar(40) not null, "secret_hash" varchar(64) not null, "scopes" jsonb not null, "rate_limit_per_minute" int not null default 60, "created_by_id" uuid null, "created_by_name" varchar(120) null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"))');
    this.addSql('alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix")');
    this.addSql('create index "api_keys_client_id_created_at_index" on "api_keys" ("client_id", "created_at")');
    this.addSql('alter table "api_keys" add constraint "api_keys_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "api_keys" add constraint "api_keys_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
  }
}
