import { Migration } from '@mikro-orm/migrations';

/** E-mail sequences: enrollments and the steps sent (each once), open and click tracking, unsubscribes and suppressions, e-mail vendors' webhook events taken once (postgresql). */
export class Migration20261127000200EmailSequences extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"email_enrollments\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid not null, \"user_id\" uuid not null, \"sequence_id\" varchar(80) not null, \"status\" text not null default 'active', \"next_step\" int not null default 0, \"next_due_at\" timestamptz null, \"started_at\" timestamptz not null, \"stopped_at\" timestamptz null, primary key (\"id\"))");
    this.addSql("create index \"email_enrollments_status_next_due_at_index\" on \"email_enrollments\" (\"status\", \"next_due_at\")");
    this.addSql("alter table \"email_enrollments\" add constraint \"email_enrollments_client_id_user_id_sequence_id_unique\" unique (\"client_id\", \"user_id\", \"sequence_id\")");
    this.addSql("create table \"email_sent_steps\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid not null, \"enrollment_id\" uuid not null, \"step\" int not null, \"template_id\" varchar(80) not null, \"message_id\" varchar(64) not null, \"outcome\" varchar(10) not null default 'sent', \"sent_at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("alter table \"email_sent_steps\" add constraint \"email_sent_steps_enrollment_id_step_unique\" unique (\"enrollment_id\", \"step\")");
    this.addSql("create table \"email_tracking_events\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid null, \"message_id\" varchar(64) not null, \"kind\" text not null, \"url\" text not null default '', \"url_key\" varchar(64) not null, \"first_at\" timestamptz not null, \"last_at\" timestamptz not null, \"count\" int not null default 1, primary key (\"id\"))");
    this.addSql("create index \"email_tracking_events_brand_id_first_at_index\" on \"email_tracking_events\" (\"brand_id\", \"first_at\")");
    this.addSql("alter table \"email_tracking_events\" add constraint \"email_tracking_events_message_id_kind_url_key_unique\" unique (\"message_id\", \"kind\", \"url_key\")");
    this.addSql("create table \"email_unsubscribes\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"email\" varchar(254) not null, \"category\" varchar(20) not null, \"source\" varchar(60) not null, \"at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("alter table \"email_unsubscribes\" add constraint \"email_unsubscribes_brand_id_email_category_unique\" unique (\"brand_id\", \"email\", \"category\")");
    this.addSql("create table \"email_provider_events\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"provider\" varchar(60) not null, \"event_id\" varchar(120) not null, \"kind\" varchar(30) not null, \"received_at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("alter table \"email_provider_events\" add constraint \"email_provider_events_brand_id_provider_event_id_unique\" unique (\"brand_id\", \"provider\", \"event_id\")");
    this.addSql("alter table \"email_provider_events\" add constraint \"email_provider_events_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_tracking_events\" add constraint \"email_tracking_events_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_tracking_events\" add constraint \"email_tracking_events_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_tracking_events\" add constraint \"email_tracking_events_kind_check\" check (\"kind\" in ('open', 'click'))");
    this.addSql("alter table \"email_unsubscribes\" add constraint \"email_unsubscribes_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_enrollments\" add constraint \"email_enrollments_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_enrollments\" add constraint \"email_enrollments_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_enrollments\" add constraint \"email_enrollments_user_id_foreign\" foreign key (\"user_id\") references \"users\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_enrollments\" add constraint \"email_enrollments_status_check\" check (\"status\" in ('active', 'completed', 'unsubscribed', 'stopped'))");
    this.addSql("alter table \"email_sent_steps\" add constraint \"email_sent_steps_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_sent_steps\" add constraint \"email_sent_steps_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
    this.addSql("alter table \"email_sent_steps\" add constraint \"email_sent_steps_enrollment_id_foreign\" foreign key (\"enrollment_id\") references \"email_enrollments\" (\"id\") on delete cascade");
  }
}
