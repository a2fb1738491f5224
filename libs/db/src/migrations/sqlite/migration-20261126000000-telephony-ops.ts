import { Migration } from '@mikro-orm/migrations';

/** Telephony operations: jambonz connections, the number pool's states and sync, porting requests, call recordings, ingested jambonz call records and alerts, monitoring notices; agents' warm transfer, queue, staff phones and recording retention (sqlite). */
export class Migration20261126000000TelephonyOps extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `call_recordings` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `call_id` text not null, `storage_key` text not null, `status` text check (`status` in ('recording', 'complete', 'partial')) not null default 'recording', `sample_rate` integer not null, `channels` integer not null, `bytes` integer not null default 0, `duration_ms` integer not null default 0, `started_at` datetime not null, `ended_at` datetime null, `expires_at` datetime null, constraint `call_recordings_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `call_recordings_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade, constraint `call_recordings_call_id_foreign` foreign key (`call_id`) references `calls` (`id`) on delete cascade)");
    this.addSql("create index `call_recordings_brand_id_index` on `call_recordings` (`brand_id`)");
    this.addSql("create index `call_recordings_client_id_index` on `call_recordings` (`client_id`)");
    this.addSql("create index `call_recordings_call_id_index` on `call_recordings` (`call_id`)");
    this.addSql("create index `call_recordings_expires_at_index` on `call_recordings` (`expires_at`)");
    this.addSql("create index `call_recordings_client_id_started_at_index` on `call_recordings` (`client_id`, `started_at`)");
    this.addSql("create table `jambonz_alerts` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `fingerprint` text not null, `alert_type` text not null, `message` text not null, `detail` text null, `occurred_at` datetime not null, constraint `jambonz_alerts_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)");
    this.addSql("create index `jambonz_alerts_brand_id_index` on `jambonz_alerts` (`brand_id`)");
    this.addSql("create index `jambonz_alerts_brand_id_occurred_at_index` on `jambonz_alerts` (`brand_id`, `occurred_at`)");
    this.addSql("create unique index `jambonz_alerts_brand_id_fingerprint_unique` on `jambonz_alerts` (`brand_id`, `fingerprint`)");
    this.addSql("create table `jambonz_call_records` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text null, `call_sid` text not null, `direction` text not null, `from_number` text not null, `to_number` text not null, `trunk` text null, `sip_status` integer not null, `termination_reason` text null, `answered` integer not null, `duration_seconds` integer not null, `attempted_at` datetime not null, `answered_at` datetime null, `terminated_at` datetime null, constraint `jambonz_call_records_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `jambonz_call_records_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete set null)");
    this.addSql("create index `jambonz_call_records_brand_id_index` on `jambonz_call_records` (`brand_id`)");
    this.addSql("create index `jambonz_call_records_client_id_index` on `jambonz_call_records` (`client_id`)");
    this.addSql("create index `jambonz_call_records_client_id_attempted_at_index` on `jambonz_call_records` (`client_id`, `attempted_at`)");
    this.addSql("create index `jambonz_call_records_brand_id_attempted_at_index` on `jambonz_call_records` (`brand_id`, `attempted_at`)");
    this.addSql("create unique index `jambonz_call_records_brand_id_call_sid_unique` on `jambonz_call_records` (`brand_id`, `call_sid`)");
    this.addSql("create table `jambonz_connections` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `base_url` text not null, `account_sid` text not null, `encrypted_api_key` text not null, `carrier_sid` text null, `application_sid` text null, `status` text check (`status` in ('pending', 'ok', 'error')) not null default 'pending', `last_error` text null, `attempts` integer not null default 0, `next_attempt_at` datetime null, `last_synced_at` datetime null, `secret_rotated_at` datetime null, `calls_polled_until` datetime null, `alerts_polled_until` datetime null, constraint `jambonz_connections_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)");
    this.addSql("create index `jambonz_connections_brand_id_index` on `jambonz_connections` (`brand_id`)");
    this.addSql("create unique index `jambonz_connections_brand_id_unique` on `jambonz_connections` (`brand_id`)");
    this.addSql("create table `monitor_notices` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `kind` text not null, `subject` text not null, `last_sent_at` datetime not null, `count` integer not null default 1, constraint `monitor_notices_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)");
    this.addSql("create index `monitor_notices_brand_id_index` on `monitor_notices` (`brand_id`)");
    this.addSql("create unique index `monitor_notices_brand_id_kind_subject_unique` on `monitor_notices` (`brand_id`, `kind`, `subject`)");
    this.addSql("create table `porting_requests` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `number` text not null, `losing_carrier` text not null, `account_number` text null, `authorized_name` text not null, `documents` json not null, `status` text check (`status` in ('submitted', 'in_progress', 'completed', 'rejected', 'cancelled')) not null default 'submitted', `status_note` text null, `completed_at` datetime null, constraint `porting_requests_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `porting_requests_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql("create index `porting_requests_brand_id_index` on `porting_requests` (`brand_id`)");
    this.addSql("create index `porting_requests_client_id_index` on `porting_requests` (`client_id`)");
    this.addSql("create index `porting_requests_brand_id_status_index` on `porting_requests` (`brand_id`, `status`)");
    this.addSql("alter table `agent_profiles` add column `warm_transfer` integer null");
    this.addSql("alter table `agent_profiles` add column `queue` json null");
    this.addSql("alter table `agent_profiles` add column `staff_numbers` json null");
    this.addSql("alter table `agent_profiles` add column `recording_retention_days` integer null");
    this.addSql("alter table `phone_numbers` add column `country` text null");
    this.addSql("alter table `phone_numbers` add column `carrier_sid` text null");
    this.addSql("alter table `phone_numbers` add column `state_changed_at` datetime null");
    this.addSql("alter table `phone_numbers` add column `reserved_until` datetime null");
    this.addSql("alter table `phone_numbers` add column `quarantined_until` datetime null");
    this.addSql("alter table `phone_numbers` add column `previous_client_id` text null");
    this.addSql("alter table `phone_numbers` add column `jambonz_sid` text null");
    this.addSql("alter table `phone_numbers` add column `sync_state` text check (`sync_state` in ('pending', 'synced', 'error')) null");
    this.addSql("alter table `phone_numbers` add column `sync_error` text null");
    this.addSql("alter table `phone_numbers` add column `synced_at` datetime null");
    this.addSql("create index `phone_numbers_sync_state_index` on `phone_numbers` (`sync_state`)");
    this.addSql("create index `phone_numbers_brand_id_state_country_index` on `phone_numbers` (`brand_id`, `state`, `country`)");
  }
}
