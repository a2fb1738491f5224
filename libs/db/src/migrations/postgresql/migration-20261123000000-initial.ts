import { Migration } from '@mikro-orm/migrations';

/** Brands, clients, users, sessions, magic links and per-tenant plugin settings (postgresql). */
export class Migration20261123000000Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "brands" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(120) not null, "slug" varchar(63) not null, "domains" jsonb not null, "theme_id" varchar(63) not null default \'default\', "logo_url" varchar(500) null, "theme_tokens" jsonb not null, "default_locale" varchar(10) not null default \'en\', "support_email" varchar(254) not null, "sender_email" varchar(254) not null, "currency" varchar(3) not null default \'USD\', primary key ("id"))');
    this.addSql('alter table "brands" add constraint "brands_slug_unique" unique ("slug")');
    this.addSql('create table "clients" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "name" varchar(120) not null, "slug" varchar(63) not null, "profession_pack" varchar(63) not null, "timezone" varchar(64) not null default \'America/New_York\', "locale" varchar(10) not null default \'en\', "status" text not null default \'active\', primary key ("id"))');
    this.addSql('alter table "clients" add constraint "clients_brand_id_slug_unique" unique ("brand_id", "slug")');
    this.addSql('alter table "clients" add constraint "clients_status_check" check ("status" in (\'onboarding\', \'active\', \'suspended\', \'canceled\'))');
    this.addSql('create table "plugin_settings" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, "client_id" uuid null, "plugin_id" varchar(63) not null, "encrypted_config" text not null, primary key ("id"))');
    this.addSql('alter table "plugin_settings" add constraint "plugin_settings_brand_id_client_id_plugin_id_unique" unique ("brand_id", "client_id", "plugin_id")');
    this.addSql('create table "users" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid null, "client_id" uuid null, "email" varchar(254) not null, "name" varchar(120) not null, "role" text not null, "password_hash" varchar(255) null, "locale" varchar(10) null, "last_login_at" timestamptz null, primary key ("id"))');
    this.addSql('create index "users_email_index" on "users" ("email")');
    this.addSql('alter table "users" add constraint "users_brand_id_email_unique" unique ("brand_id", "email")');
    this.addSql('alter table "users" add constraint "users_role_check" check ("role" in (\'operator\', \'brand_admin\', \'client_owner\', \'client_staff\'))');
    this.addSql('create table "sessions" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "brand_id" uuid null, "client_id" uuid null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "user_agent" varchar(255) null, primary key ("id"))');
    this.addSql('create index "sessions_token_hash_index" on "sessions" ("token_hash")');
    this.addSql('create table "magic_links" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "brand_id" uuid null, "client_id" uuid null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"))');
    this.addSql('create index "magic_links_token_hash_index" on "magic_links" ("token_hash")');
    this.addSql('alter table "clients" add constraint "clients_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "plugin_settings" add constraint "plugin_settings_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "plugin_settings" add constraint "plugin_settings_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
    this.addSql('alter table "users" add constraint "users_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "users" add constraint "users_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
    this.addSql('alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade');
    this.addSql('alter table "sessions" add constraint "sessions_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "sessions" add constraint "sessions_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
    this.addSql('alter table "magic_links" add constraint "magic_links_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade');
    this.addSql('alter table "magic_links" add constraint "magic_links_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete cascade');
    this.addSql('alter table "magic_links" add constraint "magic_links_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete cascade');
  }
}
