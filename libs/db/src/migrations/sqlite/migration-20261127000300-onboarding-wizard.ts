import { Migration } from '@mikro-orm/migrations';

/** The setup wizard's state per client: completed steps, the current step, completion and a version for double submits (sqlite). */
export class Migration20261127000300OnboardingWizard extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `onboarding_states` (`id` text not null primary key, `created_at` datetime not null, `updated_at` datetime not null, `brand_id` text not null, `client_id` text not null, `steps` json not null, `current_step` text not null default 'business', `completed_at` datetime null, `version` integer not null default 1, constraint `onboarding_states_brand_id_foreign` foreign key (`brand_id`) references `brands` (`id`) on delete cascade, constraint `onboarding_states_client_id_foreign` foreign key (`client_id`) references `clients` (`id`) on delete cascade)");
    this.addSql("create index `onboarding_states_brand_id_index` on `onboarding_states` (`brand_id`)");
    this.addSql("create unique index `onboarding_states_client_id_unique` on `onboarding_states` (`client_id`)");
  }
}
