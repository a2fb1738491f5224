import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000Initial as PgInitial } from './postgresql/migration-20261123000000-initial';
import { Migration20261123000000Initial as SqliteInitial } from './sqlite/migration-20261123000000-initial';
import { Migration20261124000000Calls as PgCalls } from './postgresql/migration-20261124000000-calls';
import { Migration20261124000000Calls as SqliteCalls } from './sqlite/migration-20261124000000-calls';
import { Migration20261125000000Billing as PgBilling } from './postgresql/migration-20261125000000-billing';
import { Migration20261125000000Billing as SqliteBilling } from './sqlite/migration-20261125000000-billing';
import { Migration20261126000000TelephonyOps as PgTelephonyOps } from './postgresql/migration-20261126000000-telephony-ops';
import { Migration20261126000000TelephonyOps as SqliteTelephonyOps } from './sqlite/migration-20261126000000-telephony-ops';
import { Migration20261127000000VoiceClones as PgVoiceClones } from './postgresql/migration-20261127000000-voice-clones';
import { Migration20261127000000VoiceClones as SqliteVoiceClones } from './sqlite/migration-20261127000000-voice-clones';
import { Migration20261127000100PromptVersions as PgPromptVersions } from './postgresql/migration-20261127000100-prompt-versions';
import { Migration20261127000100PromptVersions as SqlitePromptVersions } from './sqlite/migration-20261127000100-prompt-versions';
import { Migration20261127000200EmailSequences as PgEmailSequences } from './postgresql/migration-20261127000200-email-sequences';
import { Migration20261127000200EmailSequences as SqliteEmailSequences } from './sqlite/migration-20261127000200-email-sequences';
import { Migration20261127000300OnboardingWizard as PgOnboardingWizard } from './postgresql/migration-20261127000300-onboarding-wizard';
import { Migration20261127000300OnboardingWizard as SqliteOnboardingWizard } from './sqlite/migration-20261127000300-onboarding-wizard';
import { Migration20261127000400TelephonyOps2 as PgTelephonyOps2 } from './postgresql/migration-20261127000400-telephony-ops-2';
import { Migration20261127000400TelephonyOps2 as SqliteTelephonyOps2 } from './sqlite/migration-20261127000400-telephony-ops-2';
import { Migration20261127000500CallRollups as PgCallRollups } from './postgresql/migration-20261127000500-call-rollups';
import { Migration20261127000500CallRollups as SqliteCallRollups } from './sqlite/migration-20261127000500-call-rollups';
import { Migration20261127000600CallLogIndexes as PgCallLogIndexes } from './postgresql/migration-20261127000600-call-log-indexes';
import { Migration20261127000600CallLogIndexes as SqliteCallLogIndexes } from './sqlite/migration-20261127000600-call-log-indexes';
import { Migration20261127000700Reports as PgReports } from './postgresql/migration-20261127000700-reports';
import { Migration20261127000700Reports as SqliteReports } from './sqlite/migration-20261127000700-reports';
import { Migration20261127000800ApiKeys as PgApiKeys } from './postgresql/migration-20261127000800-api-keys';
import { Migration20261127000800ApiKeys as SqliteApiKeys } from './sqlite/migration-20261127000800-api-keys';
import { Migration20261127000900TextConfirmations as PgTextConfirmations } from './postgresql/migration-20261127000900-text-confirmations';
import { Migration20261127000900TextConfirmations as SqliteTextConfirmations } from './sqlite/migration-20261127000900-text-confirmations';
import { Migration20261128000000TranscriptKeys as PgTranscriptKeys } from './postgresql/migration-20261128000000-transcript-keys';
import { Migration20261128000000TranscriptKeys as SqliteTranscriptKeys } from './sqlite/migration-20261128000000-transcript-keys';

/**
 * Migrations are committed per engine (the SQL differs) and listed here in order, so nothing is found by
 * scanning folders at run time. A test applies both lists and checks the result equals the entities' schema.
 */
const LISTS: Record<'sqlite' | 'postgresql', MigrationObject[]> = {
  sqlite: [
    { name: 'Migration20261123000000Initial', class: SqliteInitial },
    { name: 'Migration20261124000000Calls', class: SqliteCalls },
    { name: 'Migration20261125000000Billing', class: SqliteBilling },
    { name: 'Migration20261126000000TelephonyOps', class: SqliteTelephonyOps },
    { name: 'Migration20261127000000VoiceClones', class: SqliteVoiceClones },
    { name: 'Migration20261127000100PromptVersions', class: SqlitePromptVersions },
    { name: 'Migration20261127000200EmailSequences', class: SqliteEmailSequences },
    { name: 'Migration20261127000300OnboardingWizard', class: SqliteOnboardingWizard },
    { name: 'Migration20261127000400TelephonyOps2', class: SqliteTelephonyOps2 },
    { name: 'Migration20261127000500CallRollups', class: SqliteCallRollups },
    { name: 'Migration20261127000600CallLogIndexes', class: SqliteCallLogIndexes },
    { name: 'Migration20261127000700Reports', class: SqliteReports },
    { name: 'Migration20261127000800ApiKeys', class: SqliteApiKeys },
    { name: 'Migration20261127000900TextConfirmations', class: SqliteTextConfirmations },
    { name: 'Migration20261128000000TranscriptKeys', class: SqliteTranscriptKeys },
  ],
  postgresql: [
    { name: 'Migration20261123000000Initial', class: PgInitial },
    { name: 'Migration20261124000000Calls', class: PgCalls },
    { name: 'Migration20261125000000Billing', class: PgBilling },
    { name: 'Migration20261126000000TelephonyOps', class: PgTelephonyOps },
    { name: 'Migration20261127000000VoiceClones', class: PgVoiceClones },
    { name: 'Migration20261127000100PromptVersions', class: PgPromptVersions },
    { name: 'Migration20261127000200EmailSequences', class: PgEmailSequences },
    { name: 'Migration20261127000300OnboardingWizard', class: PgOnboardingWizard },
    { name: 'Migration20261127000400TelephonyOps2', class: PgTelephonyOps2 },
    { name: 'Migration20261127000500CallRollups', class: PgCallRollups },
    { name: 'Migration20261127000600CallLogIndexes', class: PgCallLogIndexes },
    { name: 'Migration20261127000700Reports', class: PgReports },
    { name: 'Migration20261127000800ApiKeys', class: PgApiKeys },
    { name: 'Migration20261127000900TextConfirmations', class: PgTextConfirmations },
    { name: 'Migration20261128000000TranscriptKeys', class: PgTranscriptKeys },
  ],
};

export function migrationsFor(kind: 'sqlite' | 'postgresql'): MigrationObject[] {
  return LISTS[kind];
}
