import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { NotFoundError, ValidationError, principalFitsHost } from '@tero/accounts';
import { Brand, JambonzConnection } from '@tero/db';
import { type BrandThresholdsView, MONITORING_RANGES, MONITORING_THRESHOLD_BOUNDS, MONITORING_THRESHOLD_KEYS, type MonitoringRange, type MonitoringSettings, isMonitoringRange } from '@tero/telephony';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { SESSION_COOKIE } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { MonitoringAssets, bearerMatches } from './monitoring-assets';
import { Figures, hookLatencyRows, overviewTables, plotsPayload } from './monitoring-view';
import { checkedForm, say, sendPage } from '../pages/page-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Monitoring: the operator's `/operator/monitoring` (every brand, or one chosen) and the brand admin's
 * `/admin/monitoring` (its own clients and carriers only) — figures per carrier and per client from the
 * ingested jambonz records, plots drawn with uPlot (served from our own `node_modules`, data embedded as
 * JSON), this replica's hook latency; and `GET /metrics` for Prometheus, opened by `METRICS_TOKEN` as a
 * bearer token or by an operator's session, and answered 404 to anyone else when no token is set.
 */
@Controller()
export class MonitoringPagesController {
  private readonly assets: MonitoringAssets;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.assets = new MonitoringAssets(kernel.rootDir);
  }

  private requireRole(request: FastifyRequest, kind: 'instance' | 'brand', role: 'operator' | 'brand_admin'): boolean {
    const { principal, host } = request.tero;
    if (!principal) return false;
    if (host.kind !== kind || principal.role !== role) throw new ForbiddenError();
    return true;
  }

  private range(request: FastifyRequest): MonitoringRange {
    const value = (request.query as Record<string, unknown>).range;
    if (value === undefined || value === '') return '24h';
    if (!isMonitoringRange(value)) throw new ValidationError([{ field: 'range', reason: `must be one of ${Object.keys(MONITORING_RANGES).join(', ')}` }]);
    return value;
  }

  @Get('/operator/monitoring')
  async operatorMonitoring(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.requireRole(request, 'instance', 'operator')) return reply.redirect('/login', 303);
    return this.operatorPage(request, reply, (request.query as Record<string, unknown>).brand, {});
  }

  /**
   * The operator sets a brand's alert thresholds (blank: the instance's). Bad input shows the page again
   * with each field's reason and changes nothing.
   */
  @Post('/operator/monitoring/thresholds')
  async saveThresholds(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.requireRole(request, 'instance', 'operator')) return reply.redirect('/login', 303);
    const { _csrf, brand, ...fields } = checkedForm(this.kernel, request);
    const brandId = typeof brand === 'string' && UUID.test(brand) ? brand.toLowerCase() : null;
    const exists = brandId && (await this.kernel.db.forInstance('the operator names a brand').count(Brand, { id: brandId }));
    if (!exists) throw new ValidationError([{ field: 'brand', reason: 'is not a brand of this instance' }]);
    try {
      await this.kernel.monitoring.thresholds.update(brandId, fields);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fieldErrors = Object.fromEntries(error.problems.map((p) => [p.field, p.reason]));
      return this.operatorPage(request, reply, brandId, { fieldErrors, submitted: fields }, 400);
    }
    return reply.redirect(`/operator/monitoring?brand=${encodeURIComponent(brandId)}&saved=1`, 303);
  }

  private async operatorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    wanted: unknown,
    form: { fieldErrors?: Record<string, string>; submitted?: Record<string, unknown> },
    status = 200,
  ) {
    const range = this.range(request);
    const em = this.kernel.db.forInstance('the operator watches every brand');
    const brands = await em.find(Brand, {}, { fields: ['id', 'name'], orderBy: { name: 'asc' } });
    let selected: { id: string; name: string } | null = null;
    if (wanted !== undefined && wanted !== '' && wanted !== 'all') {
      selected = typeof wanted === 'string' && UUID.test(wanted) ? (brands.find((b) => b.id === wanted.toLowerCase()) ?? null) : null;
      if (!selected) throw new ValidationError([{ field: 'brand', reason: 'is not a brand of this instance' }]);
    }
    const thresholds = selected ? await this.kernel.monitoring.thresholds.view(selected.id) : null;
    const connections = await em.find(JambonzConnection, {}, { fields: ['id', 'brand', 'callsPolledUntil'] });
    const connection = selected ? (connections.find((c) => c.brand.id === selected.id) ?? null) : undefined;
    return this.page(request, reply, {
      action: '/operator/monitoring',
      subtitle: say(this.kernel, request, 'monitoring:operatorSubtitle'),
      range,
      brandIds: selected ? [selected.id] : brands.map((b) => b.id),
      brandNames: new Map(brands.map((b) => [b.id, b.name])),
      brandChoice: { all: !selected, options: brands.map((b) => ({ id: b.id, name: b.name, selected: b.id === selected?.id })) },
      connectionText:
        connection === undefined
          ? say(this.kernel, request, 'monitoring:connectedBrands', { count: connections.length, total: brands.length })
          : this.connectionText(request, connection),
      operator: true,
      settings: thresholds?.effective ?? this.kernel.monitoring.settings,
      thresholdForm: selected && thresholds ? this.thresholdForm(request, selected, thresholds, form) : null,
      status,
    });
  }

  /** The form of a brand's thresholds: each field with the brand's value (blank: the instance's, shown as its placeholder). */
  private thresholdForm(
    request: FastifyRequest,
    brand: { id: string; name: string },
    view: BrandThresholdsView,
    form: { fieldErrors?: Record<string, string>; submitted?: Record<string, unknown> },
  ) {
    const saved = (request.query as Record<string, unknown>).saved === '1';
    return {
      brandId: brand.id,
      title: say(this.kernel, request, 'monitoring:thresholdForm.title', { brand: brand.name }),
      saved: saved && !form.fieldErrors,
      error: form.fieldErrors ? say(this.kernel, request, 'monitoring:thresholdForm.refused') : null,
      fields: MONITORING_THRESHOLD_KEYS.map((key) => ({
        name: key,
        label: say(this.kernel, request, `monitoring:thresholdForm.field.${key}`),
        value: form.submitted ? String(form.submitted[key] ?? '') : (view.own[key]?.toString() ?? ''),
        placeholder: String(view.instance[key]),
        min: MONITORING_THRESHOLD_BOUNDS[key].min,
        max: MONITORING_THRESHOLD_BOUNDS[key].max,
        error: form.fieldErrors?.[key] ?? null,
      })),
    };
  }

  @Get('/admin/monitoring')
  async brandMonitoring(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.requireRole(request, 'brand', 'brand_admin')) return reply.redirect('/login', 303);
    const host = request.tero.host as Extract<typeof request.tero.host, { kind: 'brand' }>;
    const range = this.range(request);
    const connection = await this.kernel.db.forTenant({ brandId: host.brand.id, clientId: null, locale: request.tero.locale }).findOne(JambonzConnection, { brand: host.brand.id });
    return this.page(request, reply, {
      action: '/admin/monitoring',
      subtitle: say(this.kernel, request, 'monitoring:brandSubtitle'),
      range,
      brandIds: [host.brand.id],
      brandNames: new Map([[host.brand.id, host.brand.name]]),
      brandChoice: null,
      connectionText: this.connectionText(request, connection),
      operator: false,
      settings: this.kernel.monitoring.settings,
      thresholdForm: null,
      status: 200,
    });
  }

  private connectionText(request: FastifyRequest, connection: Pick<JambonzConnection, 'callsPolledUntil'> | null): string {
    if (!connection) return say(this.kernel, request, 'monitoring:notConnected');
    if (!connection.callsPolledUntil) return say(this.kernel, request, 'monitoring:notPolled');
    const date = new Intl.DateTimeFormat(request.tero.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(connection.callsPolledUntil);
    return say(this.kernel, request, 'monitoring:polledUntil', { date });
  }

  private async page(
    request: FastifyRequest,
    reply: FastifyReply,
    view: {
      action: string;
      subtitle: string;
      range: MonitoringRange;
      brandIds: string[];
      brandNames: Map<string, string>;
      brandChoice: { all: boolean; options: { id: string; name: string; selected: boolean }[] } | null;
      connectionText: string;
      operator: boolean;
      /** The thresholds in force for what the page shows (the selected brand's, else the instance's). */
      settings: MonitoringSettings;
      thresholdForm: ReturnType<MonitoringPagesController['thresholdForm']> | null;
      status: number;
    },
  ) {
    const locale = request.tero.locale;
    const t = (key: string, vars: Record<string, unknown> = {}) => say(this.kernel, request, key, vars);
    const f = new Figures(locale);
    const overview = await this.kernel.monitoring.queries.overview({ brandIds: view.brandIds }, view.range);
    const snapshot = await this.kernel.metrics.hookLatencySnapshot();
    const showBrand = view.brandIds.length > 1;
    const settings = view.settings;
    return sendPage(this.kernel, request, reply, 'monitoring', {
      title: t('monitoring:title'),
      subtitle: view.subtitle,
      action: view.action,
      operator: view.operator,
      brandChoice: view.brandChoice,
      ranges: Object.keys(MONITORING_RANGES).map((value) => ({ value, label: t(`monitoring:ranges.${value}`), selected: value === view.range })),
      connectionText: view.connectionText,
      showBrand,
      hasCalls: overview.totals.attempts > 0,
      ...overviewTables(overview, f, t, view.brandNames, showBrand),
      hooks: hookLatencyRows(snapshot, f),
      thresholds: view.operator
        ? t('monitoring:thresholds', {
            asr: f.percent(settings.asrAlertBelow),
            attempts: settings.asrMinAttempts,
            asrMinutes: Math.round(settings.asrWindowMs / 60_000),
            failures: settings.webhookFailuresAlertAt,
            failureMinutes: Math.round(settings.webhookFailureWindowMs / 60_000),
            cooldownMinutes: Math.round(settings.cooldownMs / 60_000),
          })
        : null,
      thresholdForm: view.thresholdForm,
      plots: plotsPayload(overview, snapshot, t, locale),
      assets: this.assets.paths(),
    }, view.status);
  }

  /** uPlot and the page's script; their URLs change with their content, so browsers keep them a year. */
  @Get('/assets/uplot/:version/:file')
  async uplot(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.sendAsset(request, reply);
  }

  @Get('/assets/monitoring/:hash/:file')
  async plotsScript(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.sendAsset(request, reply);
  }

  private sendAsset(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0]!;
    const file = this.assets.get(path);
    if (!file) throw new NotFoundError('file');
    // Private: the answer may carry the browser's CSRF cookie, which no shared cache may keep.
    reply.header('etag', file.etag).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.contentType).send(file.body);
  }

  /**
   * Prometheus' text format. The request-context hook lets `/metrics` through untouched (Prometheus
   * scrapes by address, from no tenant's host), so the caller is checked here: the bearer token, or else
   * a session of an operator on the instance's host. Without a token set, anyone else is told there is
   * nothing here.
   */
  @Get('/metrics')
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const token = this.kernel.config.METRICS_TOKEN;
    const allowed = bearerMatches(request.headers.authorization, token) || (await this.operatorSession(request));
    if (!allowed) {
      if (!token) return reply.code(404).type('application/json; charset=utf-8').send({ error: { code: 'not_found', message: this.kernel.i18n.t('errors:not_found', { lng: 'en' }) } });
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('application/json; charset=utf-8')
        .send({ error: { code: 'auth.unauthenticated', message: this.kernel.i18n.t('errors:auth.unauthenticated', { lng: 'en' }) } });
    }
    const { contentType, body } = await this.kernel.metrics.exposition();
    return reply.code(200).header('cache-control', 'no-store').type(contentType).send(body);
  }

  private async operatorSession(request: FastifyRequest): Promise<boolean> {
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) return false;
    const host = await this.kernel.resolver.resolve(request.headers.host);
    if (host?.kind !== 'instance') return false;
    const principal = await this.kernel.auth.principalFromSession(cookie);
    return !!principal && principal.role === 'operator' && principalFitsHost(principal, host);
  }
}
