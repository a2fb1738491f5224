import { Migration } from '@mikro-orm/migrations';

/** Telephony operations, second part: a brand's number quarantine and monitoring thresholds, jambonz alerts attributed to a client by their call, numbers the reconciler still has to delete in jambonz (postgresql). */
export class Migration20261127000400TelephonyOps2 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "brands" add "number_quarantine_days" int null, add "monitoring_settings" jsonb null');
    this.addSql('alter table "jambonz_alerts" add "target_sid" varchar(64) null, add "client_id" uuid null');
    this.addSql('alter table "jambonz_alerts" add constraint "jambonz_alerts_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete set null');
    this.addSql('alter table "jambonz_connections" add "numbers_to_delete" jsonb null');
  }
}
