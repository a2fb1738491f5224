import { Migration } from '@mikro-orm/migrations';

/**
 * A call's turns and timeline events keep their brand and client columns, but not as foreign keys
 * (postgresql): each row goes with its call, whose own keys are checked, and every transcript row paid two
 * more lookups on the call path's busiest write.
 */
export class Migration20261128000000TranscriptKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "call_turns" drop constraint "call_turns_brand_id_foreign"');
    this.addSql('alter table "call_turns" drop constraint "call_turns_client_id_foreign"');
    this.addSql('alter table "call_events" drop constraint "call_events_brand_id_foreign"');
    this.addSql('alter table "call_events" drop constraint "call_events_client_id_foreign"');
  }
}
