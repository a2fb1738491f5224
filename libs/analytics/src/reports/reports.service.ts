import { ValidationError } from '@tero/accounts';
import { invoiceThemeOf } from '@tero/billing';
import { type JobQueue, PeriodicSweep, localDate } from '@tero/core';
import { Brand, Client, type Database, ReportDelivery, ReportSetting, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import type { ClientSummary } from '../analytics.types';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { SummarySource } from './report-figures';
import { formatRange, renderReportPdf, reportLines } from './report-pdf';
import { REPORT_KINDS, type ReportKind, type ReportPeriod, isLocalDate, lastCompletePeriod, parsePeriodKey, periodContaining, previousPeriod, rangeInstants } from './report-period';

type ClientContext = TenantContext & { clientId: string };

/** Which scheduled reports a client receives. */
export type ReportChoices = Record<ReportKind, boolean>;
/** What a client without a saved choice receives. */
export const DEFAULT_REPORT_CHOICES: ReportChoices = { daily: false, weekly: true, monthly: true };

export interface ReportsDeps {
  db: Database;
  jobs: JobQueue;
  i18n: I18nInstance;
  /** Queues an e-mail (the mail service). */
  send: (ctx: TenantContext, message: EmailMessage) => Promise<unknown>;
  /** The client's dashboard address, for the link in the e-mail. */
  clientUrl: (brand: Brand, client: Client) => string;
  themeTokens: (themeId: string) => Record<string, string> | undefined;
  logger: Logger;
  clock?: () => Date;
  /** The figures of a period: the dashboard's summary, so that both show the same numbers. */
  summary: SummarySource;
}

/** What one sweep did. */
export interface ReportSweepResult {
  sent: number;
  /** Reports already sent for their period, or clients that did not exist yet then. */
  skipped: number;
  failed: number;
}

const SWEEP_PAGE = 200;
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Daily, weekly and monthly reports per client: on demand as a PDF, and e-mailed to the client's owners
 * with the PDF attached by an hourly sweep, for the last period that ended on the client's clock. A
 * period's report is sent once: a `report_deliveries` row (unique per client, kind and period) is inserted
 * before the e-mail is queued, so sweeps run twice or on two workers send one; a failure before the
 * e-mail is queued deletes the row again, so the next sweep retries.
 */
export class Reports {
  private readonly clock: () => Date;
  private readonly sweeper: PeriodicSweep;

  constructor(private readonly deps: ReportsDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.sweeper = new PeriodicSweep(deps.jobs, { name: 'analytics.reports.sweep', run: () => this.sweep(), logger: deps.logger, attempts: 1, now: () => this.clock().getTime() });
  }

  /** Registers the sweep's job; call in every process before the queue starts. */
  register(): void {
    this.sweeper.register();
  }

  /** Schedules the hourly sweep where jobs run. */
  async start(options: { processJobs: boolean }): Promise<void> {
    if (options.processJobs) await this.sweeper.start();
  }

  stop(): void {
    this.sweeper.stop();
  }

  /** The client's choice of scheduled reports (the defaults until it saves one). */
  async choices(ctx: ClientContext): Promise<ReportChoices> {
    const row = await this.deps.db.forTenant(ctx).findOne(ReportSetting, { client: ctx.clientId });
    return row ? { daily: row.daily, weekly: row.weekly, monthly: row.monthly } : { ...DEFAULT_REPORT_CHOICES };
  }

  /** Saves the choice from a form: a checked box is `on` (or `true`), an absent one is off; other fields are refused. */
  async saveChoices(ctx: ClientContext, input: Record<string, unknown>): Promise<ReportChoices> {
    const unknown = Object.keys(input).filter((key) => key !== '_csrf' && !(REPORT_KINDS as readonly string[]).includes(key));
    const problems = unknown.map((field) => ({ field, reason: 'is not a report' }));
    for (const kind of REPORT_KINDS) if (input[kind] !== undefined && !['on', 'true', 'false'].includes(String(input[kind]))) problems.push({ field: kind, reason: 'must be on or off' });
    if (problems.length) throw new ValidationError(problems);
    const choices = Object.fromEntries(REPORT_KINDS.map((kind) => [kind, input[kind] === 'on' || input[kind] === 'true'])) as ReportChoices;
    const em = this.deps.db.forTenant(ctx);
    const row = (await em.findOne(ReportSetting, { client: ctx.clientId })) ?? em.create(ReportSetting, { brand: ctx.brandId, client: ctx.clientId });
    Object.assign(row, choices);
    await em.flush();
    return choices;
  }

  /** The reports e-mailed to the client lately, newest first. */
  async recentDeliveries(ctx: ClientContext, limit: number): Promise<ReportDelivery[]> {
    return this.deps.db.forTenant(ctx).find(ReportDelivery, { client: ctx.clientId }, { orderBy: { sentAt: 'desc' }, limit });
  }

  /**
   * The period a reader picked: a kind and a local date within it (or the period's key). Periods that
   * have not started yet on the client's clock are refused, as are malformed dates.
   */
  async pickPeriod(ctx: ClientContext, input: { kind?: unknown; date?: unknown }): Promise<ReportPeriod> {
    const client = await this.deps.db.forTenant(ctx).findOneOrFail(Client, { id: ctx.clientId });
    const kind = String(input.kind ?? '') as ReportKind;
    if (!REPORT_KINDS.includes(kind)) throw new ValidationError([{ field: 'kind', reason: `must be one of ${REPORT_KINDS.join(', ')}` }]);
    const today = localDate(this.clock(), client.timezone);
    const raw = typeof input.date === 'string' ? input.date.trim() : '';
    const period = raw === '' ? periodContaining(kind, today) : isLocalDate(raw) ? periodContaining(kind, raw) : parsePeriodKey(kind, raw);
    if (!period) throw new ValidationError([{ field: 'date', reason: 'must be a date YYYY-MM-DD' }]);
    if (period.range.from > today) throw new ValidationError([{ field: 'date', reason: 'must not be in the future' }]);
    return period;
  }

  /** A period's report as a PDF, in `locale`. */
  async pdf(ctx: ClientContext, period: ReportPeriod, locale: string): Promise<{ filename: string; content: Buffer }> {
    const em = this.deps.db.forTenant(ctx);
    const client = await em.findOneOrFail(Client, { id: ctx.clientId });
    const brand = await em.findOneOrFail(Brand, { id: ctx.brandId });
    const { current, previous } = await this.periodFigures(ctx, period);
    return { filename: `report-${period.key}.pdf`, content: await this.render(client, brand, period, current, previous, locale) };
  }

  /** Sends every active client's due reports (the last complete period of each kind it chose). */
  async sweep(): Promise<ReportSweepResult> {
    const result: ReportSweepResult = { sent: 0, skipped: 0, failed: 0 };
    const now = this.clock();
    let after: string | null = null;
    for (;;) {
      const clients: Client[] = await this.deps.db.forInstance('reports sweep: every active client').find(Client, { status: 'active', ...(after ? { id: { $gt: after } } : {}) }, { orderBy: { id: 'asc' }, limit: SWEEP_PAGE, populate: ['brand'] });
      for (const client of clients) {
        const ctx: ClientContext = { brandId: client.brand.id, clientId: client.id, locale: client.locale };
        const choices = await this.choices(ctx);
        for (const kind of REPORT_KINDS) {
          if (!choices[kind]) continue;
          const period = lastCompletePeriod(kind, now, client.timezone);
          if (rangeInstants(period.range, client.timezone).end <= client.createdAt) {
            result.skipped++;
            continue;
          }
          try {
            const outcome = await this.deliver(ctx, client.brand, client, period);
            result[outcome]++;
          } catch (error) {
            result.failed++;
            this.deps.logger.error({ err: error, clientId: client.id, kind, period: period.key }, 'a scheduled report could not be sent; the next sweep tries again');
          }
        }
      }
      if (clients.length < SWEEP_PAGE) return result;
      after = clients[clients.length - 1]!.id;
    }
  }

  /** Claims the period's row, then queues one e-mail per language of the client's owners. */
  private async deliver(ctx: ClientContext, brand: Brand, client: Client, period: ReportPeriod): Promise<'sent' | 'skipped'> {
    const em = this.deps.db.forTenant(ctx);
    const delivery = em.create(ReportDelivery, { brand: ctx.brandId, client: ctx.clientId, kind: period.kind, periodKey: period.key, sentAt: this.clock() });
    try {
      await em.flush();
    } catch (error) {
      if (this.deps.db.isConstraintViolation(error)) return 'skipped';
      throw error;
    }
    try {
      const owners = await em.find(User, { client: ctx.clientId, role: 'client_owner' }, { orderBy: { email: 'asc' } });
      const { current, previous } = await this.periodFigures(ctx, period);
      const byLocale = new Map<string, string[]>();
      for (const owner of owners) {
        const locale = owner.locale ?? client.locale;
        byLocale.set(locale, [...(byLocale.get(locale) ?? []), owner.email]);
      }
      // Every e-mail is made before any is queued: a report that cannot be rendered sends nothing.
      const messages: EmailMessage[] = [];
      for (const [locale, to] of byLocale) messages.push(this.email(brand, client, period, current, previous, locale, to, await this.render(client, brand, period, current, previous, locale)));
      for (const message of messages) await this.deps.send(ctx, message);
      delivery.recipients = owners.length;
      await em.flush();
      return 'sent';
    } catch (error) {
      await this.deps.db.forTenant(ctx).nativeDelete(ReportDelivery, { id: delivery.id });
      throw error;
    }
  }

  private async periodFigures(ctx: ClientContext, period: ReportPeriod): Promise<{ current: ClientSummary; previous: ClientSummary }> {
    return { current: await this.deps.summary(ctx, period.range), previous: await this.deps.summary(ctx, previousPeriod(period).range) };
  }

  private render(client: Client, brand: Brand, period: ReportPeriod, current: ClientSummary, previous: ClientSummary, locale: string): Promise<Buffer> {
    return renderReportPdf({
      brand: { name: brand.name, supportEmail: brand.supportEmail },
      client: { name: client.name },
      period,
      current,
      previous,
      i18n: this.deps.i18n,
      locale,
      theme: invoiceThemeOf(brand, this.deps.themeTokens(brand.themeId) ?? {}),
      generatedAt: this.clock(),
      timezone: client.timezone,
    });
  }

  private email(brand: Brand, client: Client, period: ReportPeriod, current: ClientSummary, previous: ClientSummary, locale: string, to: string[], pdf: Buffer): EmailMessage {
    const t = this.deps.i18n.getFixedT(locale, 'analytics') as TFunction;
    const vars = { client: client.name, brand: brand.name, report: t(`reports.title.${period.kind}`), range: formatRange(period.range, locale) };
    const lines = reportLines({ current, previous, i18n: this.deps.i18n, locale });
    const link = `${this.deps.clientUrl(brand, client)}/reports`;
    const text = [t('reports.email.intro', vars), '', ...lines.map((l) => `${l.label}: ${l.current} (${l.change})`), '', t('reports.email.attached'), link].join('\n');
    const html = `<p>${escapeHtml(t('reports.email.intro', vars))}</p><table>${lines.map((l) => `<tr><td>${escapeHtml(l.label)}</td><td><strong>${escapeHtml(l.current)}</strong></td><td>${escapeHtml(l.change)}</td></tr>`).join('')}</table><p>${escapeHtml(t('reports.email.attached'))} <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`;
    return {
      from: `${brand.name} <${brand.senderEmail}>`,
      to,
      subject: t('reports.email.subject', vars),
      text,
      html,
      attachments: [{ filename: `report-${period.key}.pdf`, contentType: 'application/pdf', contentBase64: pdf.toString('base64') }],
    };
  }
}
