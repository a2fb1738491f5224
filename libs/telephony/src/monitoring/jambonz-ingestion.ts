import { createHash, randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Keyring } from '@tero/core';
import { Call, type Database, JambonzAlert, JambonzCallRecord, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { JambonzApiError } from '../jambonz-api/jambonz-api.errors';
import type { JambonzAlertRecord, JambonzCallRecord as JambonzCdr, JambonzPage } from '../jambonz-api/jambonz-api.types';
import { jambonzApiKeyAad } from '../provisioning/jambonz-connection.service';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettings } from './monitoring.settings';

/** What one poll of one kind (calls or alerts) did. */
export interface IngestedKind {
  /** Records jambonz returned (a record on two pages counts twice). */
  fetched: number;
  /** New rows; a record already stored is not inserted again. */
  inserted: number;
  /** Records left out because a field was unusable (no sid, no time). */
  skipped: number;
  pages: number;
  /** The window asked for. */
  from: string;
  to: string;
  /** Whether the cursor moved to `to` (false after an error, or when the page limit cut the run short). */
  advanced: boolean;
  /** What went wrong (jambonz's answer, or ours); the cursor stays and the next run asks again. */
  error?: string;
}

export interface BrandIngestion {
  brandId: string;
  /** False: the brand has no jambonz connection. */
  connected: boolean;
  calls?: IngestedKind;
  alerts?: IngestedKind;
}

export interface JambonzIngestionDeps {
  db: Database;
  keyring: Keyring;
  logger: Logger;
  settings?: Partial<MonitoringSettings>;
  /** Per request to jambonz. */
  timeoutMs?: number;
  /** Tests: the fetch the API clients use. */
  fetch?: typeof fetch;
  /** Told of each failed poll (the metrics' error counter). */
  onError?: (area: string) => void;
  clock?: () => Date;
}

const brandContext = (brandId: string): TenantContext => ({ brandId, clientId: null, locale: 'en' });

/**
 * Polls a brand's jambonz for its RecentCalls and Alerts and stores them (`JambonzCallRecord`,
 * `JambonzAlert`). Incremental: each poll asks for `[cursor − overlap, now]`, reads every page, inserts
 * what is new (the unique keys make a record seen twice a no-op), and only then moves the cursor to
 * `now`. jambonz failing (4xx, 5xx, no answer) leaves the cursor where it was: the next run asks again.
 * A call's client is the one its number (`to` inbound, `from` outbound) is assigned to in the brand.
 */
export class JambonzIngestion {
  private readonly settings: MonitoringSettings;
  private readonly now: () => Date;

  constructor(private readonly deps: JambonzIngestionDeps) {
    this.settings = { ...DEFAULT_MONITORING_SETTINGS, ...deps.settings };
    this.now = deps.clock ?? (() => new Date());
  }

  /** The brands that have a jambonz connection. */
  async connectedBrands(): Promise<string[]> {
    const rows = await this.deps.db.forInstance('monitoring polls every brand connected to jambonz').find(JambonzConnection, {}, { fields: ['id', 'brand'], orderBy: { createdAt: 'asc' } });
    return rows.map((row) => row.brand.id);
  }

  /** Polls calls, then alerts, of one brand; each kind's failure is its own. Never throws for jambonz's sake. */
  async ingestBrand(brandId: string): Promise<BrandIngestion> {
    const em = this.deps.db.forTenant(brandContext(brandId));
    const connection = await em.findOne(JambonzConnection, { brand: brandId });
    if (!connection) return { brandId, connected: false };
    const client = new JambonzApiClient({
      baseUrl: connection.baseUrl,
      apiKey: this.deps.keyring.decrypt(connection.encryptedApiKey, jambonzApiKeyAad(brandId)),
      timeoutMs: this.deps.timeoutMs,
      fetch: this.deps.fetch,
    });
    const calls = await this.poll(brandId, 'calls', connection.callsPolledUntil ?? null, this.settings.callsOverlapMs, (range) => client.recentCalls(connection.accountSid, range), (records) => this.storeCalls(brandId, records));
    const alerts = await this.poll(brandId, 'alerts', connection.alertsPolledUntil ?? null, this.settings.alertsOverlapMs, (range) => client.alerts(connection.accountSid, range), (records) => this.storeAlerts(brandId, records));
    await this.attributeAlerts(brandId).catch((err: unknown) => this.deps.logger.warn({ err, brandId }, 'jambonz monitoring: could not attribute alerts to clients'));
    return { brandId, connected: true, calls, alerts };
  }

  private async poll<T>(
    brandId: string,
    kind: 'calls' | 'alerts',
    cursor: Date | null,
    overlapMs: number,
    fetchPage: (range: { page: number; count: number; start: Date; end: Date }) => Promise<JambonzPage<T>>,
    store: (records: T[]) => Promise<{ inserted: number; skipped: number }>,
  ): Promise<IngestedKind> {
    const end = this.now();
    const start = cursor ? new Date(cursor.getTime() - overlapMs) : new Date(end.getTime() - this.settings.initialLookbackMs);
    const result: IngestedKind = { fetched: 0, inserted: 0, skipped: 0, pages: 0, from: start.toISOString(), to: end.toISOString(), advanced: false };
    const log = this.deps.logger.child({ brandId, poll: kind });
    try {
      let complete = false;
      // Pages are read until one comes back short: a record written meanwhile shifts the rest by one, and
      // the count-based stop still reads the page it was pushed onto (the total would not).
      for (let page = 1; page <= this.settings.maxPages; page++) {
        const answer = await fetchPage({ page, count: this.settings.pageSize, start, end });
        result.pages = page;
        result.fetched += answer.data.length;
        const stored = await store(answer.data);
        result.inserted += stored.inserted;
        result.skipped += stored.skipped;
        if (answer.data.length < this.settings.pageSize) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        log.warn({ pages: result.pages, from: result.from, to: result.to }, 'jambonz monitoring: page limit reached; the cursor stays and the next run continues');
        return result;
      }
      const column = kind === 'calls' ? 'callsPolledUntil' : 'alertsPolledUntil';
      // Never backwards: a slower run that overlapped a later one leaves the later cursor.
      await this.deps.db
        .forTenant(brandContext(brandId))
        .nativeUpdate(JambonzConnection, { brand: brandId, $or: [{ [column]: null }, { [column]: { $lt: end } }] }, { [column]: end });
      result.advanced = true;
      if (result.skipped) log.warn({ skipped: result.skipped }, 'jambonz monitoring: records without a usable sid or time were left out');
      return result;
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      this.deps.onError?.('monitoring');
      if (error instanceof JambonzApiError) log.warn({ status: error.status, endpoint: error.endpoint, retryable: error.retryable, err: error.message }, 'jambonz monitoring: poll failed; the cursor stays');
      else log.error({ err: error }, 'jambonz monitoring: poll failed; the cursor stays');
      return result;
    }
  }

  private async storeCalls(brandId: string, records: JambonzCdr[]): Promise<{ inserted: number; skipped: number }> {
    if (!records.length) return { inserted: 0, skipped: 0 };
    const em = this.deps.db.forTenant(brandContext(brandId)) as unknown as SqlEntityManager;
    const clients = await this.clientsByNumber(em, records);
    const now = this.now();
    const rows: Record<string, unknown>[] = [];
    let skipped = 0;
    const seen = new Set<string>();
    for (const record of records) {
      const attemptedAt = parseTime(record.attempted_at);
      const callSid = typeof record.call_sid === 'string' ? record.call_sid.trim() : '';
      if (!callSid || callSid.length > 64 || !attemptedAt) {
        skipped++;
        continue;
      }
      // A page may repeat a record of the same batch (a shifted page); one insert statement takes it once.
      if (seen.has(callSid)) continue;
      seen.add(callSid);
      const direction = record.direction === 'outbound' ? 'outbound' : 'inbound';
      const ours = e164Of(direction === 'inbound' ? record.to : record.from);
      rows.push({
        id: randomUUID(),
        createdAt: now,
        updatedAt: now,
        brand: brandId,
        client: (ours && clients.get(ours)) ?? null,
        callSid,
        direction,
        fromNumber: text(record.from, 64) ?? '',
        toNumber: text(record.to, 64) ?? '',
        trunk: text(record.trunk, 120),
        sipStatus: integer(record.sip_status),
        terminationReason: text(record.termination_reason, 60),
        answered: record.answered === true || (record.answered as unknown) === 1 || (record.answered as unknown) === 'true',
        durationSeconds: Math.max(0, integer(record.duration)),
        attemptedAt,
        answeredAt: parseTime(record.answered_at),
        terminatedAt: parseTime(record.terminated_at),
      });
    }
    if (!rows.length) return { inserted: 0, skipped };
    const result = await em.createQueryBuilder(JambonzCallRecord).insert(rows as never).onConflict(['brand', 'callSid'] as never).ignore().execute('run');
    return { inserted: Number((result as { affectedRows?: number }).affectedRows ?? 0), skipped };
  }

  private async storeAlerts(brandId: string, records: JambonzAlertRecord[]): Promise<{ inserted: number; skipped: number }> {
    if (!records.length) return { inserted: 0, skipped: 0 };
    const em = this.deps.db.forTenant(brandContext(brandId)) as unknown as SqlEntityManager;
    const now = this.now();
    const clients = await this.clientsByCall(em, brandId, records.map((record) => text(record.target_sid, 64)).filter((sid): sid is string => sid !== null));
    const rows: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    for (const record of records) {
      const occurredAt = parseTime(record.time);
      const alertType = text(record.alert_type, 40);
      if (!occurredAt || !alertType) {
        skipped++;
        continue;
      }
      const message = typeof record.message === 'string' ? record.message : '';
      const fingerprint = alertFingerprint(record);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      rows.push({
        id: randomUUID(),
        createdAt: now,
        updatedAt: now,
        brand: brandId,
        fingerprint,
        alertType,
        message: message.slice(0, 2000),
        detail: typeof record.detail === 'string' ? record.detail.slice(0, 2000) : null,
        occurredAt,
        targetSid: text(record.target_sid, 64),
        client: clients.get(text(record.target_sid, 64) ?? '') ?? null,
      });
    }
    if (!rows.length) return { inserted: 0, skipped };
    const result = await em.createQueryBuilder(JambonzAlert).insert(rows as never).onConflict(['brand', 'fingerprint'] as never).ignore().execute('run');
    return { inserted: Number((result as { affectedRows?: number }).affectedRows ?? 0), skipped };
  }

  /**
   * The clients of the calls alerts are about (jambonz's `target_sid` is the call's sid): from our own call
   * records, which the hooks write as the call happens, else from the ingested jambonz records.
   */
  private async clientsByCall(em: SqlEntityManager, brandId: string, callSids: string[]): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const wanted = [...new Set(callSids)];
    if (!wanted.length) return map;
    for (const call of await em.find(Call, { brand: brandId, callSid: { $in: wanted } }, { fields: ['id', 'callSid', 'client'] })) map.set(call.callSid, call.client.id);
    const rest = wanted.filter((sid) => !map.has(sid));
    if (rest.length) {
      for (const record of await em.find(JambonzCallRecord, { brand: brandId, callSid: { $in: rest }, client: { $ne: null } }, { fields: ['id', 'callSid', 'client'] })) {
        if (record.client) map.set(record.callSid, record.client.id);
      }
    }
    return map;
  }

  /**
   * Alerts ingested before the record of their call (jambonz writes a call's record when it ends, an alert
   * as it happens) get their client once the record is in: the recent unattributed alerts are looked at
   * again on every run.
   */
  private async attributeAlerts(brandId: string): Promise<number> {
    const em = this.deps.db.forTenant(brandContext(brandId)) as unknown as SqlEntityManager;
    const since = new Date(this.now().getTime() - this.settings.callsOverlapMs);
    const pending = await em.find(JambonzAlert, { brand: brandId, client: null, targetSid: { $ne: null }, occurredAt: { $gte: since } }, { fields: ['id', 'targetSid'] });
    if (!pending.length) return 0;
    const clients = await this.clientsByCall(em, brandId, pending.map((alert) => alert.targetSid!));
    let attributed = 0;
    for (const alert of pending) {
      const clientId = clients.get(alert.targetSid!);
      if (clientId) attributed += await em.nativeUpdate(JambonzAlert, { id: alert.id, client: null }, { client: clientId });
    }
    return attributed;
  }

  /** The brand's assigned numbers among those of the page's calls: E.164 → client id. */
  private async clientsByNumber(em: SqlEntityManager, records: JambonzCdr[]): Promise<Map<string, string>> {
    const numbers = new Set<string>();
    for (const record of records) {
      const ours = e164Of(record.direction === 'outbound' ? record.from : record.to);
      if (ours) numbers.add(ours);
    }
    const map = new Map<string, string>();
    if (!numbers.size) return map;
    const found = await em.find(PhoneNumber, { number: { $in: [...numbers] }, client: { $ne: null } }, { fields: ['id', 'number', 'client'] });
    for (const row of found) if (row.client) map.set(row.number, row.client.id);
    return map;
  }
}

/**
 * jambonz gives alerts no id: the fingerprint is a hash of what makes one alert itself — its time as
 * jambonz wrote it, its type, its message, and the call it is about (two calls' hooks failing the same
 * way in the same millisecond are two failures).
 */
export function alertFingerprint(record: Pick<JambonzAlertRecord, 'time' | 'alert_type' | 'message' | 'target_sid'>): string {
  return createHash('sha256')
    .update([record.time, record.alert_type, record.message ?? '', record.target_sid ?? ''].map(String).join('\u0000'))
    .digest('hex');
}

/**
 * A number as our pool stores it (E.164 with `+`), from what a jambonz record holds: jambonz drops the
 * `+`, and a SIP URI or a display name may surround it. Null when it is no phone number (a user, an extension).
 */
export function e164Of(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const user = /^sips?:([^@;]+)/i.exec(value.trim())?.[1] ?? value.trim();
  const digits = user.replace(/[\s().-]/g, '');
  const match = /^\+?([1-9]\d{6,14})$/.exec(digits);
  return match ? `+${match[1]}` : null;
}

/** A time jambonz wrote (RFC 3339, possibly with nanoseconds), or null. */
function parseTime(value: unknown): Date | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  return s ? s.slice(0, max) : null;
}

function integer(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.round(n) : 0;
}
