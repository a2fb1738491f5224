import { Migration } from '@mikro-orm/migrations';

/** E-mail sequences: enrollments and the steps sent (each once), open and click tracking, unsubscribes and suppressions, e-mail vendors' webhook events taken once (sqlite). */
export class Migration20261127000200EmailSequences extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `email_enrollments` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `user_id` text not null, `sequence_id` text not null, `status` text check (`status` in ('active', 'completed', 'unsubscribed', 'stopped')) not null default 'active', `next_step` integer not null default 0, `next_due_at` datetime null, `started_at` datetime not null, `stopped_at` datetime null, constraint `email_enrollments_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `email_enrollments_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade, constraint `email_enrollments_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade)");
    this.addSql("create index `email_enrollments_brand_id_index` on `email_enrollments` (`brand_id`)");
    this.addSql("create index `email_enrollments_client_id_index` on `email_enrollments` (`client_id`)");
    this.addSql("create index `email_enrollments_user_id_index` on `email_enrollments` (`user_id`)");
    this.addSql("create index `email_enrollments_status_next_due_at_index` on `email_enrollments` (`status`, `next_due_at`)");
    this.addSql("create unique index `email_enrollments_client_id_user_id_sequence_id_unique` on `email_enrollments` (`client_id`, `user_id`, `sequence_id`)");
    this.addSql("create table `email_sent_steps` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `enrollment_id` text not null, `step` integer not null, `template_id` text not null, `message_id` text not null, `outcome` text not null default 'sent', `sent_at` datetime not null, constraint `email_sent_steps_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `email_sent_steps_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade, constraint `email_sent_steps_enrollment_id_foreign` foreign key (`enrollment_id`) references `email_enrollments` (`id`) on delete cascade)");
    this.addSql("create index `email_sent_steps_brand_id_index` on `email_sent_steps` (`brand_id`)");
    this.addSql("create index `email_sent_steps_client_id_index` on `email_sent_steps` (`client_id`)");
    this.addSql("create index `email_sent_steps_enrollment_id_index` on `email_sent_steps` (`enrollment_id`)");
    this.addSql("create unique index `email_sent_steps_enrollment_id_step_unique` on `email_sent_steps` (`enrollment_id`, `step`)");
    this.addSql("create table `email_tracking_events` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text null, `message_id` text not null, `kind` text check (`kind` in ('open', 'click')) not null, `url` text not null default '', `url_key` text not null, `first_at` datetime not null, `last_at` datetime not null, `count` integer not null default 1, constraint `email_tracking_events_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `email_tracking_events_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql("create index `email_tracking_events_brand_id_index` on `email_tracking_events` (`brand_id`)");
    this.addSql("create index `email_tracking_events_client_id_index` on `email_tracking_events` (`client_id`)");
    this.addSql("create index `email_tracking_events_brand_id_first_at_index` on `email_tracking_events` (`brand_id`, `first_at`)");
    this.addSql("create unique index `email_tracking_events_message_id_kind_url_key_unique` on `email_tracking_events` (`message_id`, `kind`, `url_key`)");
    this.addSql("create table `email_unsubscribes` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `email` text not null, `category` text not null, `source` text not null, `at` datetime not null, constraint `email_unsubscribes_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)");
    this.addSql("create index `email_unsubscribes_brand_id_index` on `email_unsubscribes` (`brand_id`)");
    this.addSql("create unique index `email_unsubscribes_brand_id_email_category_unique` on `email_unsubscribes` (`brand_id`, `email`, `category`)");
    this.addSql("create table `email_provider_events` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `provider` text not null, `event_id` text not null, `kind` text not null, `received_at` datetime not null, constraint `email_provider_events_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade)");
    this.addSql("create index `email_provider_events_brand_id_index` on `email_provider_events` (`brand_id`)");
    this.addSql("create unique index `email_provider_events_brand_id_provider_event_id_unique` on `email_provider_events` (`brand_id`, `provider`, `event_id`)");
  }
}
