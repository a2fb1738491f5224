import { Migration } from '@mikro-orm/migrations';

/** Telephony operations, second part: a brand's number quarantine and monitoring thresholds, jambonz alerts attributed to a client by their call, numbers the reconciler still has to delete in jambonz (sqlite). */
export class Migration20261127000400TelephonyOps2 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `brands` add column `number_quarantine_days` integer null');
    this.addSql('alter table `brands` add column `monitoring_settings` json null');
    this.addSql('alter table `jambonz_alerts` add column `target_sid` text null');
    this.addSql('alter table `jambonz_alerts` add column `client_id` text null constraint `jambonz_alerts_client_id_foreign` references `clients` (`id`) on delete set null');
    this.addSql('create index `jambonz_alerts_client_id_index` on `jambonz_alerts` (`client_id`)');
    this.addSql('alter table `jambonz_connections` add column `numbers_to_delete` json null');
  }
}
