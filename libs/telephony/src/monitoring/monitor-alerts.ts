import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Brand, type Database, MonitorNotice, User } from '@tero/db';
import { type EmailMessage, type TenantContext, instanceContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import type { Logger } from 'pino';
import { MonitoringSql, num, selectRows } from './monitoring-sql';
import type { MonitoringThresholds } from './monitoring-thresholds';
import { DEFAULT_MONITORING_SETTINGS, MONITOR_NOTICE_KINDS, type MonitoringSettings, WEBHOOK_FAILURE_ALERT_TYPES } from './monitoring.settings';

/** Sends one e-mail (the kernel's mail service); telephony knows nothing of how. */
export type MonitoringNotify = (ctx: TenantContext, message: EmailMessage) => Promise<unknown>;

/** A condition worth the operator's attention, found in a brand's ingested records. */
export type MonitorCondition =
  | { kind: typeof MONITOR_NOTICE_KINDS.answerRatio; brandId: string; subject: string; carrier: string | null; attempts: number; answered: number; asr: number }
  | { kind: typeof MONITOR_NOTICE_KINDS.webhookFailures; brandId: string; subject: string; failures: number };

export interface MonitorAlertOutcome {
  condition: MonitorCondition;
  /** False: within the cool-down of the last mail about it (or nobody to mail). */
  mailed: boolean;
  recipients: number;
}

export interface MonitorAlertsDeps {
  db: Database;
  i18n: I18nInstance;
  notify: MonitoringNotify;
  /** The instance's sender (`EMAIL_FROM`). */
  from: string;
  /** The operator's monitoring page for a brand, absolute. */
  operatorUrl: (brandId: string) => string;
  logger: Logger;
  settings?: Partial<MonitoringSettings>;
  /** Each brand's own thresholds over the instance's settings; without it, the instance's settings hold for all. */
  thresholds?: MonitoringThresholds;
  clock?: () => Date;
}

/** The subject a carrier without a name is noticed under. */
const UNNAMED_CARRIER = '-';

/**
 * Alerts the operators by e-mail when a brand's jambonz shows trouble: a carrier answering too few calls
 * over the last hour (with enough attempts to mean something), or webhook failures piling up over the
 * last quarter hour. Each condition (brand, kind, carrier or `account`) is mailed at most once per
 * cool-down: a `MonitorNotice` row is claimed with a compare-and-set on its `lastSentAt`, so that two
 * workers checking at once mail once between them; a mail that could not be queued gives the claim back.
 */
export class MonitorAlerts {
  private readonly settings: MonitoringSettings;
  private readonly now: () => Date;
  private readonly sql: MonitoringSql;

  constructor(private readonly deps: MonitorAlertsDeps) {
    this.settings = { ...DEFAULT_MONITORING_SETTINGS, ...deps.settings };
    this.now = deps.clock ?? (() => new Date());
    this.sql = new MonitoringSql(deps.db.kind);
  }

  /** The brand's conditions now, without mailing. */
  async conditions(brandId: string): Promise<MonitorCondition[]> {
    return this.conditionsUnder(brandId, await this.settingsFor(brandId));
  }

  /** The thresholds in force for the brand (its own over the instance's). */
  settingsFor(brandId: string): Promise<MonitoringSettings> {
    return this.deps.thresholds ? this.deps.thresholds.settingsFor(brandId) : Promise.resolve(this.settings);
  }

  private async conditionsUnder(brandId: string, settings: MonitoringSettings): Promise<MonitorCondition[]> {
    const em = this.deps.db.forTenant({ brandId, clientId: null, locale: 'en' });
    const now = this.now().getTime();
    const found: MonitorCondition[] = [];
    const carriers = await selectRows(
      em,
      `select r.trunk, count(*) as attempts, sum(case when r.answered then 1 else 0 end) as answered
         from jambonz_call_records r
        where r.brand_id = ? and r.attempted_at >= ? and r.attempted_at <= ?
        group by r.trunk`,
      [brandId, new Date(now - settings.asrWindowMs), new Date(now)],
    );
    for (const row of carriers) {
      const attempts = num(row.attempts);
      const answered = num(row.answered);
      if (attempts < settings.asrMinAttempts) continue;
      const asr = answered / attempts;
      if (asr >= settings.asrAlertBelow) continue;
      const carrier = (row.trunk as string | null) ?? null;
      found.push({ kind: MONITOR_NOTICE_KINDS.answerRatio, brandId, subject: (carrier ?? UNNAMED_CARRIER).slice(0, 120), carrier, attempts, answered, asr });
    }
    const types = [...WEBHOOK_FAILURE_ALERT_TYPES];
    const [failures] = await selectRows(
      em,
      `select count(*) as n from jambonz_alerts a where a.brand_id = ? and a.occurred_at >= ? and a.occurred_at <= ? and a.alert_type ${this.sql.inList(types)}`,
      [brandId, new Date(now - settings.webhookFailureWindowMs), new Date(now), ...types],
    );
    const count = num(failures?.n);
    if (count >= settings.webhookFailuresAlertAt) found.push({ kind: MONITOR_NOTICE_KINDS.webhookFailures, brandId, subject: 'account', failures: count });
    return found;
  }

  /** Finds the brand's conditions and mails the operators about those out of their cool-down. */
  async checkBrand(brandId: string): Promise<MonitorAlertOutcome[]> {
    const settings = await this.settingsFor(brandId);
    const conditions = await this.conditionsUnder(brandId, settings);
    if (!conditions.length) return [];
    const instance = this.deps.db.forInstance('monitoring alerts go to the instance operators');
    const operators = await instance.find(User, { role: 'operator', brand: null }, { orderBy: { email: 'asc' } });
    const brand = await instance.findOne(Brand, { id: brandId });
    const outcomes: MonitorAlertOutcome[] = [];
    for (const condition of conditions) {
      if (!operators.length) {
        outcomes.push({ condition, mailed: false, recipients: 0 });
        continue;
      }
      const claim = await this.claim(condition, settings);
      if (!claim) {
        outcomes.push({ condition, mailed: false, recipients: operators.length });
        continue;
      }
      try {
        for (const operator of operators) {
          await this.deps.notify(instanceContext(), this.message(condition, brand?.name ?? brandId, { email: operator.email, name: operator.name, locale: operator.locale ?? 'en' }, settings));
        }
        this.deps.logger.warn({ brandId, kind: condition.kind, subject: condition.subject, recipients: operators.length }, 'monitoring: operators alerted');
        outcomes.push({ condition, mailed: true, recipients: operators.length });
      } catch (error) {
        await claim.release().catch(() => undefined);
        throw error;
      }
    }
    return outcomes;
  }

  /**
   * Takes the condition's cool-down if it is free: inserts its notice (a concurrent insert loses on the
   * unique key) or moves `lastSentAt` from the value read to now (a concurrent move loses on the
   * compare). Null when another mail went out within the cool-down.
   */
  private async claim(condition: MonitorCondition, settings: MonitoringSettings): Promise<{ release(): Promise<void> } | null> {
    const em = this.deps.db.forTenant({ brandId: condition.brandId, clientId: null, locale: 'en' }) as unknown as SqlEntityManager;
    const now = this.now();
    const key = { brand: condition.brandId, kind: condition.kind, subject: condition.subject };
    const existing = await em.findOne(MonitorNotice, key);
    if (!existing) {
      const id = randomUUID();
      const inserted = await em
        .createQueryBuilder(MonitorNotice)
        .insert({ id, createdAt: now, updatedAt: now, ...key, lastSentAt: now, count: 1 } as never)
        .onConflict(['brand', 'kind', 'subject'] as never)
        .ignore()
        .execute('run');
      if (Number((inserted as { affectedRows?: number }).affectedRows ?? 0) !== 1) return null;
      return { release: async () => void (await em.nativeDelete(MonitorNotice, { id, lastSentAt: now })) };
    }
    if (existing.lastSentAt.getTime() > now.getTime() - settings.cooldownMs) return null;
    const previous = { lastSentAt: existing.lastSentAt, count: existing.count };
    const moved = await em.nativeUpdate(MonitorNotice, { id: existing.id, lastSentAt: previous.lastSentAt }, { lastSentAt: now, count: previous.count + 1, updatedAt: now });
    if (moved !== 1) return null;
    return { release: async () => void (await em.nativeUpdate(MonitorNotice, { id: existing.id, lastSentAt: now }, previous)) };
  }

  private message(condition: MonitorCondition, brandName: string, to: { email: string; name: string; locale: string }, settings: MonitoringSettings): EmailMessage {
    const t = this.deps.i18n.getFixedT(to.locale, 'monitoring');
    const percent = (value: number) => new Intl.NumberFormat(to.locale, { style: 'percent', maximumFractionDigits: 0 }).format(value);
    const url = this.deps.operatorUrl(condition.brandId);
    const cooldownMinutes = Math.round(settings.cooldownMs / 60_000);
    let subject: string;
    let body: string;
    if (condition.kind === MONITOR_NOTICE_KINDS.answerRatio) {
      const vars = {
        brand: brandName,
        carrier: condition.carrier ?? t('unnamedCarrier'),
        asr: percent(condition.asr),
        threshold: percent(settings.asrAlertBelow),
        answered: condition.answered,
        attempts: condition.attempts,
        minutes: Math.round(settings.asrWindowMs / 60_000),
      };
      subject = t('email.answerRatio.subject', vars);
      body = t('email.answerRatio.body', vars);
    } else {
      const vars = { brand: brandName, count: condition.failures, threshold: settings.webhookFailuresAlertAt, minutes: Math.round(settings.webhookFailureWindowMs / 60_000) };
      subject = t('email.webhookFailures.subject', vars);
      body = t('email.webhookFailures.body', vars);
    }
    const lines = [t('email.greeting', { name: to.name }), '', body, '', t('email.link'), url, '', t('email.cooldown', { minutes: cooldownMinutes })];
    const escape = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
    const html = [
      `<p>${escape(lines[0]!)}</p>`,
      `<p>${escape(body)}</p>`,
      `<p>${escape(t('email.link'))} <a href="${escape(url)}">${escape(url)}</a></p>`,
      `<p>${escape(t('email.cooldown', { minutes: cooldownMinutes }))}</p>`,
    ].join('');
    return { from: this.deps.from, to: [to.email], subject, text: lines.join('\n'), html };
  }
}
