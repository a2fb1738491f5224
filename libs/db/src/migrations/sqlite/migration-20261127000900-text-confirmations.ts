import { Migration } from '@mikro-orm/migrations';

/** Whether a client's agent texts callers a confirmation of what they booked; on unless the client turns it off (sqlite). */
export class Migration20261127000900TextConfirmations extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `agent_profiles` add column `text_confirmations` integer not null default true');
  }
}
