import { Migration } from '@mikro-orm/migrations';

/** The setup wizard's state per client: completed steps, the current step, completion and a version for double submits (postgresql). */
export class Migration20261127000300OnboardingWizard extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"onboarding_states\" (\"id\" uuid not null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, \"brand_id\" uuid not null, \"client_id\" uuid not null, \"steps\" jsonb not null, \"current_step\" varchar(30) not null default 'business', \"completed_at\" timestamptz null, \"version\" int not null default 1, primary key (\"id\"))");
    this.addSql("alter table \"onboarding_states\" add constraint \"onboarding_states_client_id_unique\" unique (\"client_id\")");
    this.addSql("alter table \"onboarding_states\" add constraint \"onboarding_states_brand_id_foreign\" foreign key (\"brand_id\") references \"brands\" (\"id\") on delete cascade");
    this.addSql("alter table \"onboarding_states\" add constraint \"onboarding_states_client_id_foreign\" foreign key (\"client_id\") references \"clients\" (\"id\") on delete cascade");
  }
}
