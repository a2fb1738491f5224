import type { Keyring } from '@tero/core';
import { type Database, JambonzAccount, JambonzConnection, PhoneNumber, type PhoneNumberState } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { jambonzSecretsAad } from '../call-directory';
import type { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { JambonzApiError, isJambonzNotFound } from '../jambonz-api/jambonz-api.errors';
import type { JambonzApplicationRecord, JambonzApplicationSettings, JambonzPhoneNumberRecord } from '../jambonz-api/jambonz-api.types';
import type { JambonzAccountsService } from '../jambonz-accounts.service';
import { HOOK_PATHS } from '../jambonz-verbs';
import type { JambonzConnectionService } from './jambonz-connection.service';
import { editNumbersToDelete } from './jambonz-deletions';
import type { SpeechCredentialsService, SpeechKeyInput } from './speech-credentials.service';

/** The name of our application in a brand's jambonz account (one per account: names are unique there). */
export const JAMBONZ_APPLICATION_NAME = 'Tero Voice';
/**
 * Appended to our hooks: jambonz retries a hook twice (`rc=2`) on a connection timeout or a 5xx
 * (`rp=ct,5xx`) before giving up on the call.
 */
export const HOOK_RETRY_FRAGMENT = '#rc=2&rp=ct,5xx';

/** Backoff after failed passes: 1, 2, 4 … minutes, at most an hour. */
export const RECONCILE_BACKOFF = { baseMs: 60_000, maxMs: 3_600_000 } as const;

/** What a pass found different from what we asked jambonz to hold, and repaired. */
export type DriftKind =
  | 'application_deleted'
  | 'application_hooks_changed'
  | 'number_deleted'
  | 'number_pointed_elsewhere'
  | 'number_still_pointed_at_us'
  | 'stray_number_pointed_at_us'
  | 'webhook_secret_changed';

export interface DriftRepair {
  kind: DriftKind;
  /** E.164, for numbers. */
  number?: string;
  detail: string;
}

export interface ReconcileReport {
  brandId: string;
  ok: boolean;
  /** Why no pass ran. */
  skipped?: 'no_connection' | 'backoff';
  applicationSid?: string;
  applicationCreated?: boolean;
  secret?: 'unchanged' | 'registered' | 'updated' | 'rotated';
  numbers: { synced: number; created: number; reassigned: number; unassigned: number; failed: number; deleted: number };
  speech: { pushed: number; failed: number };
  drift: DriftRepair[];
  /** What went wrong, as the connection's `lastError` shows it. */
  error?: string;
}

/** What removing a brand's jambonz connection did in jambonz, and what it left there. */
export interface DisconnectReport {
  brandId: string;
  /** The brand's jambonz numbers that pointed at our application and no longer do. */
  numbersUnpointed: number;
  applicationDeleted: boolean;
  /** jambonz's refusal or silence, when it could not be cleaned up (our application may still be there). */
  left: string | null;
  /** Numbers deleted from our pool that were still to be deleted in jambonz: they stay there. */
  numbersNotDeleted: string[];
}

/** A key the reconciler keeps in jambonz (see {@link SpeechCredentialsService}): the brand's and its clients'. */
export type SpeechKeySource = (ctx: TenantContext) => Promise<SpeechKeyInput[]>;

export interface JambonzReconcilerDeps {
  db: Database;
  keyring: Keyring;
  connections: JambonzConnectionService;
  accounts: JambonzAccountsService;
  speech: SpeechCredentialsService;
  logger: Logger;
  /** `PUBLIC_URL`: where jambonz reaches our hooks. */
  publicUrl: string;
  /** A new webhook secret is asked of jambonz this often; 0 never (only on request). Default 30 days. */
  secretRotationMs?: number;
  /** Speech defaults of the application jambonz uses when a verb names none. */
  applicationDefaults?: JambonzApplicationSettings;
  /** The keys to keep in jambonz; none when absent. */
  speechKeys?: SpeechKeySource;
  /** Brands reconciled at once by a sweep. Default 4. */
  concurrency?: number;
  clock?: () => Date;
}

export interface ReconcileOptions {
  /** Run even when the connection's backoff says not yet (a change someone is waiting for). */
  force?: boolean;
  /** Ask jambonz for a new webhook secret now, keeping the old one valid here. */
  rotateSecret?: boolean;
}

/** A jambonz failure that stops the pass: jambonz is down, slow, or refuses the account itself. */
class PassAborted extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const digitsOf = (e164: string): string => e164.replace(/^\+/, '');
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

interface NumberOutcome {
  ok: boolean;
  jambonzSid: string | null;
  error?: string;
}

/**
 * Keeps a brand's jambonz in line with us, one pass at a time:
 *
 * 1. The account's webhook secret, as jambonz has it, is the newest we accept (someone regenerating it
 *    in jambonz's portal is drift, repaired); every `secretRotationMs`, or on request, jambonz is asked
 *    for a new one (`regenerate=true`) and the previous one stays valid here for calls under way.
 * 2. Our application exists (created, or found again by its name after a crash, or re-created when
 *    someone deleted it) with our call and status hooks and their retry fragment; changed hooks are put
 *    back.
 * 3. Every number of the brand: an `assigned` one exists on its carrier (the number's, else the
 *    connection's) pointing at our application — created, or pointed back when it points elsewhere. Any
 *    other state (available, reserved, released, quarantined) must not reach our agent: the number stays
 *    in jambonz (on the brand's carrier, ready to be assigned again with one request) with no
 *    application, so jambonz refuses its calls. Numbers pointing at our application that we do not
 *    assign are unpointed too. Each number's `syncState` says how it went.
 * 4. The speech keys of {@link JambonzReconcilerDeps.speechKeys}, if any, are in jambonz.
 *
 * Every step is idempotent and reads jambonz before writing, so a pass that stops half-way (jambonz down,
 * a crash) is resumed by the next one; a number is `synced` only once jambonz said yes. jambonz being
 * unavailable, slow, or refusing the key stops the pass: the connection shows `error` with jambonz's
 * words and the next try waits longer each time ({@link RECONCILE_BACKOFF}). jambonz refusing one
 * number marks that number `error` and the pass goes on.
 */
export class JambonzReconciler {
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<ReconcileReport>>();
  private readonly log: Logger;

  constructor(private readonly deps: JambonzReconcilerDeps) {
    this.now = deps.clock ?? (() => new Date());
    this.log = deps.logger.child({ part: 'jambonz-reconciler' });
  }

  /** The hooks our application must have. */
  hooks(): { call: string; status: string } {
    const root = this.deps.publicUrl.replace(/\/+$/, '');
    return { call: `${root}${HOOK_PATHS.call}${HOOK_RETRY_FRAGMENT}`, status: `${root}${HOOK_PATHS.status}${HOOK_RETRY_FRAGMENT}` };
  }

  /** One pass for every connection whose backoff has passed; brands run a few at a time. */
  async reconcileDue(): Promise<ReconcileReport[]> {
    const now = this.now();
    const due = await this.deps.db
      .forInstance('the reconciler visits every brand connected to jambonz')
      .find(JambonzConnection, { $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] }, { fields: ['id', 'brand'], orderBy: { nextAttemptAt: 'asc' } });
    const brands = due.map((c) => c.brand.id);
    const reports: ReconcileReport[] = [];
    const width = Math.max(1, this.deps.concurrency ?? 4);
    for (let i = 0; i < brands.length; i += width) {
      const batch = brands.slice(i, i + width).map((brandId) =>
        // One brand's trouble (its database rows, a bug) does not stop the others' passes.
        this.reconcileBrand(brandId).catch((error: unknown): ReconcileReport => {
          this.log.error({ err: error, brandId }, 'jambonz reconciliation pass crashed');
          return { brandId, ok: false, numbers: { synced: 0, created: 0, reassigned: 0, unassigned: 0, failed: 0, deleted: 0 }, speech: { pushed: 0, failed: 0 }, drift: [], error: describe(error) };
        }),
      );
      reports.push(...(await Promise.all(batch)));
    }
    return reports;
  }

  /**
   * Removes the brand's jambonz connection. What is ours in jambonz goes first: the brand's numbers that
   * point at our application are unpointed (they stay in jambonz, on their carrier: they are the brand's
   * numbers, which it may point elsewhere), then our application is deleted, so that nothing routes to
   * us any more. If jambonz refuses or does not answer, the connection is removed all the same (the admin
   * asked, and a broken jambonz is a reason to disconnect) and the report says what was left there. Our
   * numbers stay in the pool with no sync state; numbers still waiting to be deleted in jambonz are left.
   * Runs after any pass of the brand under way in this process.
   */
  disconnect(brandId: string): Promise<DisconnectReport> {
    const previous = this.running.get(brandId) ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => this.removeConnection(brandId));
    return next;
  }

  private async removeConnection(brandId: string): Promise<DisconnectReport> {
    const ctx: TenantContext = { brandId, clientId: null, locale: 'en' };
    const em = this.deps.db.forTenant(ctx);
    const connection = await em.findOne(JambonzConnection, { brand: brandId });
    if (!connection) throw new TeroError('jambonz.not_connected', 'this brand has no jambonz connection', {}, { status: 409 });
    const report: DisconnectReport = { brandId, numbersUnpointed: 0, applicationDeleted: false, left: null, numbersNotDeleted: connection.numbersToDelete ?? [] };
    try {
      const api = this.deps.connections.clientFor(connection);
      const apps = (await api.listApplications(connection.accountSid)).filter(
        (a) => a.account_sid === connection.accountSid && (a.application_sid === connection.applicationSid || a.name === JAMBONZ_APPLICATION_NAME),
      );
      const ours = new Set(apps.map((a) => a.application_sid));
      for (const number of await api.listPhoneNumbers(connection.accountSid)) {
        if (!number.application_sid || !ours.has(number.application_sid)) continue;
        await api.updatePhoneNumber(number.phone_number_sid, { application_sid: null });
        report.numbersUnpointed += 1;
      }
      for (const app of apps) await api.deleteApplication(app.application_sid);
      report.applicationDeleted = apps.length > 0;
    } catch (error) {
      if (!(error instanceof TeroError)) throw error;
      report.left = describe(error);
    }
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(PhoneNumber, { brand: brandId }, { syncState: null, syncError: null, jambonzSid: null });
      await tx.nativeDelete(JambonzConnection, { id: connection.id });
    });
    this.log.warn({ ...report }, report.left ? 'jambonz connection removed; jambonz could not be cleaned up' : 'jambonz connection removed');
    return report;
  }

  /** One pass for a brand; passes of one brand in this process run one after the other. */
  reconcileBrand(brandId: string, options: ReconcileOptions = {}): Promise<ReconcileReport> {
    const previous = this.running.get(brandId) ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => this.pass(brandId, options));
    this.running.set(brandId, next);
    void next.finally(() => {
      if (this.running.get(brandId) === next) this.running.delete(brandId);
    });
    return next;
  }

  private async pass(brandId: string, options: ReconcileOptions): Promise<ReconcileReport> {
    const ctx: TenantContext = { brandId, clientId: null, locale: 'en' };
    const report: ReconcileReport = { brandId, ok: false, numbers: { synced: 0, created: 0, reassigned: 0, unassigned: 0, failed: 0, deleted: 0 }, speech: { pushed: 0, failed: 0 }, drift: [] };
    const em = this.deps.db.forTenant(ctx);
    const connection = await em.findOne(JambonzConnection, { brand: brandId });
    if (!connection) return { ...report, skipped: 'no_connection' };
    const now = this.now();
    if (!options.force && connection.nextAttemptAt && connection.nextAttemptAt > now) return { ...report, skipped: 'backoff' };

    const problems: string[] = [];
    try {
      const api = this.deps.connections.clientFor(connection);
      report.secret = await this.step(() => this.syncSecret(ctx, connection, api, report, options.rotateSecret === true));
      await em.flush();
      const app = await this.step(() => this.ensureApplication(connection, api, report));
      report.applicationSid = app;
      if (connection.applicationSid !== app) {
        connection.applicationSid = app;
        // Recorded at once: a pass that dies after this still knows the application next time.
        await em.flush();
      }
      await this.syncNumbers(ctx, connection, app, api, report, problems);
      await this.syncSpeech(ctx, api, report, problems);
    } catch (error) {
      const cause = error instanceof PassAborted ? error.cause : error;
      await this.failed(em, connection, describe(cause), report);
      if (!(cause instanceof TeroError)) this.log.error({ err: cause, brandId }, 'jambonz reconciliation hit an unexpected error');
      return report;
    }

    if (problems.length) {
      await this.failed(em, connection, `${problems.length} not synced: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ' …' : ''}`, report);
      return report;
    }
    connection.status = 'ok';
    connection.lastError = null;
    connection.attempts = 0;
    connection.nextAttemptAt = null;
    connection.lastSyncedAt = this.now();
    await em.flush();
    report.ok = true;
    return report;
  }

  private async failed(em: ReturnType<Database['forTenant']>, connection: JambonzConnection, message: string, report: ReconcileReport): Promise<void> {
    connection.status = 'error';
    connection.lastError = message;
    connection.attempts += 1;
    const wait = Math.min(RECONCILE_BACKOFF.maxMs, RECONCILE_BACKOFF.baseMs * 2 ** (connection.attempts - 1));
    connection.nextAttemptAt = new Date(this.now().getTime() + wait);
    await em.flush();
    report.error = message;
    this.log.warn({ brandId: report.brandId, attempts: connection.attempts, nextAttemptAt: connection.nextAttemptAt, error: message }, 'jambonz reconciliation failed; retrying later');
  }

  /** A jambonz failure in a step the rest depends on stops the pass. */
  private async step<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof JambonzApiError) throw new PassAborted(error);
      throw error;
    }
  }

  private drift(report: ReconcileReport, repair: DriftRepair): void {
    report.drift.push(repair);
    this.log.warn({ brandId: report.brandId, drift: repair.kind, number: repair.number, detail: repair.detail }, `jambonz drift repaired: ${repair.kind}`);
  }

  // 1. The webhook secret

  private async syncSecret(ctx: TenantContext, connection: JambonzConnection, api: JambonzApiClient, report: ReconcileReport, rotate: boolean): Promise<NonNullable<ReconcileReport['secret']>> {
    const accountSid = connection.accountSid;
    const current = await api.getWebhookSecret(accountSid);
    const account = await this.deps.db.forTenant(ctx).findOne(JambonzAccount, { accountSid });
    let outcome: NonNullable<ReconcileReport['secret']> = 'unchanged';
    if (!account) {
      await this.deps.accounts.addAccount(ctx, { accountSid, secret: current });
      outcome = 'registered';
    } else {
      const secrets = this.deps.keyring.decryptJson<unknown>(account.encryptedSecrets, jambonzSecretsAad(accountSid));
      if (!Array.isArray(secrets) || secrets[0] !== current) {
        await this.deps.accounts.rotateSecret(ctx, { accountSid, secret: current });
        this.drift(report, { kind: 'webhook_secret_changed', detail: 'jambonz signs with another secret than ours; it is now the newest we accept' });
        outcome = 'updated';
      }
    }
    const interval = this.deps.secretRotationMs ?? 30 * 86_400_000;
    const age = connection.secretRotatedAt ? this.now().getTime() - connection.secretRotatedAt.getTime() : null;
    if (rotate || (interval > 0 && age !== null && age >= interval)) {
      // jambonz signs with the new secret as soon as it answers; the old one stays valid here meanwhile.
      const fresh = await api.getWebhookSecret(accountSid, { regenerate: true });
      await this.deps.accounts.rotateSecret(ctx, { accountSid, secret: fresh });
      connection.secretRotatedAt = this.now();
      this.log.info({ brandId: ctx.brandId, accountSid }, 'jambonz webhook secret rotated; the previous one stays valid');
      return 'rotated';
    }
    // The secret we adopted counts from now.
    connection.secretRotatedAt ??= this.now();
    return outcome;
  }

  // 2. The application

  private hooksOf(app: JambonzApplicationRecord): boolean {
    const wanted = this.hooks();
    return (
      app.call_hook?.url === wanted.call &&
      (app.call_hook.method ?? 'POST') === 'POST' &&
      app.call_status_hook?.url === wanted.status &&
      (app.call_status_hook.method ?? 'POST') === 'POST'
    );
  }

  private async ensureApplication(connection: JambonzConnection, api: JambonzApiClient, report: ReconcileReport): Promise<string> {
    const wanted = this.hooks();
    let app: JambonzApplicationRecord | null = null;
    if (connection.applicationSid) {
      try {
        app = await api.getApplication(connection.applicationSid);
      } catch (error) {
        if (!isJambonzNotFound(error)) throw error;
      }
    }
    if (!app) {
      // Ours by name: created by a pass that died before recording it, or found after the recorded one went.
      app = (await api.listApplications(connection.accountSid)).find((a) => a.name === JAMBONZ_APPLICATION_NAME && a.account_sid === connection.accountSid) ?? null;
      if (connection.applicationSid && (!app || app.application_sid !== connection.applicationSid)) {
        this.drift(report, { kind: 'application_deleted', detail: `application ${connection.applicationSid} is gone from jambonz` });
      }
    }
    if (!app) {
      const { sid } = await api.createApplication({
        ...this.deps.applicationDefaults,
        name: JAMBONZ_APPLICATION_NAME,
        account_sid: connection.accountSid,
        call_hook: { url: wanted.call, method: 'POST' },
        call_status_hook: { url: wanted.status, method: 'POST' },
      });
      report.applicationCreated = true;
      this.log.info({ brandId: report.brandId, applicationSid: sid }, 'jambonz application created');
      return sid;
    }
    if (!this.hooksOf(app)) {
      this.drift(report, {
        kind: 'application_hooks_changed',
        detail: `hooks were ${app.call_hook?.url ?? 'none'} and ${app.call_status_hook?.url ?? 'none'}`,
      });
      // New webhook rows (no webhook_sid): jambonz points the application at them.
      await api.updateApplication(app.application_sid, {
        name: JAMBONZ_APPLICATION_NAME,
        call_hook: { url: wanted.call, method: 'POST' },
        call_status_hook: { url: wanted.status, method: 'POST' },
      });
    }
    return app.application_sid;
  }

  // 3. Numbers

  private async syncNumbers(ctx: TenantContext, connection: JambonzConnection, appSid: string, api: JambonzApiClient, report: ReconcileReport, problems: string[]): Promise<void> {
    const em = this.deps.db.forTenant(ctx);
    const ours = await em.find(PhoneNumber, {}, { orderBy: { number: 'asc' } });
    const theirs = await this.step(() => api.listPhoneNumbers(connection.accountSid));
    const bySid = new Map(theirs.map((n) => [n.phone_number_sid, n]));
    const byDigits = new Map<string, JambonzPhoneNumberRecord[]>();
    for (const n of theirs) byDigits.set(n.number, [...(byDigits.get(n.number) ?? []), n]);
    /** jambonz numbers an assigned number of ours stands on: they alone may point at our application. */
    const claimed = new Set<string>();

    for (const number of ours) {
      const seen = { id: number.id, state: number.state, clientId: number.client?.id ?? null, carrierSid: number.carrierSid ?? null };
      let outcome: NumberOutcome;
      try {
        outcome =
          seen.state === 'assigned' && seen.clientId
            ? await this.assignNumber(number, connection, appSid, api, bySid, byDigits, claimed, report)
            : await this.releaseNumber(number, appSid, api, bySid, byDigits, report);
      } catch (error) {
        if (!(error instanceof JambonzApiError)) throw error;
        outcome = { ok: false, jambonzSid: number.jambonzSid ?? null, error: describe(error) };
        await this.record(ctx, seen, outcome);
        report.numbers.failed += 1;
        // jambonz down or slow: the other numbers would fail the same way; the next pass resumes.
        if (error.retryable) throw new PassAborted(error);
        problems.push(`${number.number}: ${outcome.error}`);
        continue;
      }
      await this.record(ctx, seen, outcome);
      if (outcome.ok) report.numbers.synced += 1;
      else {
        report.numbers.failed += 1;
        problems.push(`${number.number}: ${outcome.error}`);
      }
    }

    const deleted = await this.deleteNumbers(ctx, connection, ours, byDigits, api, report, problems);

    for (const stray of theirs) {
      if (stray.application_sid !== appSid || claimed.has(stray.phone_number_sid) || deleted.has(stray.phone_number_sid)) continue;
      await this.step(() => api.updatePhoneNumber(stray.phone_number_sid, { application_sid: null }));
      stray.application_sid = null;
      report.numbers.unassigned += 1;
      this.drift(report, { kind: 'stray_number_pointed_at_us', number: `+${stray.number}`, detail: 'no client of ours is assigned this number; it no longer reaches our application' });
    }
  }

  /**
   * Numbers deleted from our pool are deleted in jambonz: each jambonz number with those digits, unless the
   * number is back in our pool meanwhile (imported again: then it is ours to sync, not to delete). A number
   * leaves the list once jambonz confirmed (or no longer has it); a refusal keeps it there for the next pass.
   */
  private async deleteNumbers(
    ctx: TenantContext,
    connection: JambonzConnection,
    ours: PhoneNumber[],
    byDigits: Map<string, JambonzPhoneNumberRecord[]>,
    api: JambonzApiClient,
    report: ReconcileReport,
    problems: string[],
  ): Promise<Set<string>> {
    const deleted = new Set<string>();
    const pending = connection.numbersToDelete ?? [];
    if (!pending.length) return deleted;
    const kept = new Set(ours.map((n) => n.number));
    const done: string[] = [];
    for (const number of pending) {
      if (!kept.has(number)) {
        try {
          for (const theirs of byDigits.get(digitsOf(number)) ?? []) {
            await api.deletePhoneNumber(theirs.phone_number_sid);
            deleted.add(theirs.phone_number_sid);
            report.numbers.deleted += 1;
          }
          byDigits.delete(digitsOf(number));
        } catch (error) {
          if (!(error instanceof JambonzApiError)) throw error;
          // Gone already (deleted by hand, or by a pass that died before forgetting it): done.
          if (error.status !== 404) {
            if (error.retryable) throw new PassAborted(error);
            problems.push(`${number}: ${describe(error)}`);
            continue;
          }
        }
        this.log.info({ brandId: ctx.brandId, number }, 'jambonz number deleted after its deletion from the pool');
      }
      done.push(number);
    }
    await editNumbersToDelete(this.deps.db.forTenant(ctx), ctx.brandId, (numbers) => numbers.filter((n) => !done.includes(n)));
    return deleted;
  }

  private async assignNumber(
    number: PhoneNumber,
    connection: JambonzConnection,
    appSid: string,
    api: JambonzApiClient,
    bySid: Map<string, JambonzPhoneNumberRecord>,
    byDigits: Map<string, JambonzPhoneNumberRecord[]>,
    claimed: Set<string>,
    report: ReconcileReport,
  ): Promise<NumberOutcome> {
    const carrier = number.carrierSid ?? connection.carrierSid ?? null;
    if (!carrier) return { ok: false, jambonzSid: number.jambonzSid ?? null, error: 'no carrier: set one on the number or on the jambonz connection' };
    const digits = digitsOf(number.number);
    const known = number.jambonzSid ? bySid.get(number.jambonzSid) : undefined;
    // jambonz cannot move a number between carriers: on another carrier, it is another number there.
    let record = known && known.voip_carrier_sid === carrier ? known : (byDigits.get(digits) ?? []).find((n) => n.voip_carrier_sid === carrier);

    if (!record) {
      if (number.jambonzSid && !known && number.syncState === 'synced') {
        this.drift(report, { kind: 'number_deleted', number: number.number, detail: `jambonz number ${number.jambonzSid} is gone; created again` });
      }
      const { sid } = await api.createPhoneNumber({ number: number.number, voip_carrier_sid: carrier, application_sid: appSid });
      record = { phone_number_sid: sid, number: digits, voip_carrier_sid: carrier, account_sid: connection.accountSid, application_sid: appSid, service_provider_sid: null };
      bySid.set(sid, record);
      byDigits.set(digits, [...(byDigits.get(digits) ?? []), record]);
      report.numbers.created += 1;
    } else if (record.application_sid !== appSid) {
      // A number we had pointed at our application, or one someone pointed at another: drift.
      if (record.application_sid || number.syncState === 'synced') {
        const was = record.application_sid ? `application ${record.application_sid}` : 'no application';
        this.drift(report, { kind: 'number_pointed_elsewhere', number: number.number, detail: `pointed at ${was}; pointed back at ours` });
      }
      await api.updatePhoneNumber(record.phone_number_sid, { application_sid: appSid });
      record.application_sid = appSid;
      report.numbers.reassigned += 1;
    }
    claimed.add(record.phone_number_sid);
    return { ok: true, jambonzSid: record.phone_number_sid };
  }

  private async releaseNumber(
    number: PhoneNumber,
    appSid: string,
    api: JambonzApiClient,
    bySid: Map<string, JambonzPhoneNumberRecord>,
    byDigits: Map<string, JambonzPhoneNumberRecord[]>,
    report: ReconcileReport,
  ): Promise<NumberOutcome> {
    const records = byDigits.get(digitsOf(number.number)) ?? [];
    for (const record of records) {
      if (record.application_sid !== appSid) continue;
      if (number.syncState === 'synced') {
        this.drift(report, { kind: 'number_still_pointed_at_us', number: number.number, detail: `${number.state} number pointed at our application again; unpointed` });
      }
      await api.updatePhoneNumber(record.phone_number_sid, { application_sid: null });
      record.application_sid = null;
      report.numbers.unassigned += 1;
    }
    const kept = (number.jambonzSid && bySid.get(number.jambonzSid)) || records[0];
    return { ok: true, jambonzSid: kept ? kept.phone_number_sid : null };
  }

  /**
   * Writes a number's outcome only if the number is still what the pass acted on: a pool change made
   * meanwhile keeps its `pending` for the next pass.
   */
  private async record(ctx: TenantContext, seen: { id: string; state: PhoneNumberState; clientId: string | null; carrierSid: string | null }, outcome: NumberOutcome): Promise<void> {
    const em = this.deps.db.forTenant(ctx);
    const where = { id: seen.id, state: seen.state, client: seen.clientId, carrierSid: seen.carrierSid };
    const at = this.now();
    const changes = outcome.ok
      ? { syncState: 'synced' as const, syncError: null, syncedAt: at, jambonzSid: outcome.jambonzSid }
      : { syncState: 'error' as const, syncError: outcome.error ?? 'failed', jambonzSid: outcome.jambonzSid };
    await em.nativeUpdate(PhoneNumber, where, changes);
  }

  // 4. Speech keys

  private async syncSpeech(ctx: TenantContext, api: JambonzApiClient, report: ReconcileReport, problems: string[]): Promise<void> {
    if (!this.deps.speechKeys) return;
    for (const key of await this.deps.speechKeys(ctx)) {
      try {
        const result = await this.deps.speech.push(ctx, key, api);
        if (result.action !== 'unchanged') report.speech.pushed += 1;
      } catch (error) {
        report.speech.failed += 1;
        if (error instanceof JambonzApiError && error.retryable) throw new PassAborted(error);
        problems.push(`speech key ${key.vendor}${key.clientId ? ` of client ${key.clientId}` : ''}: ${describe(error)}`);
      }
    }
  }
}
