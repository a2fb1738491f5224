import { join } from 'node:path';
import { addDays } from '@tero/core';
import type { TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import type { Kernel } from '../kernel';
import { MonitoringAssets } from '../monitoring/monitoring-assets';
import { ProfessionNames } from '../pages/profession-names';
import { say, sendPage } from '../pages/page-kit';
import { type DashboardSummary, dashboardData, formatFigures } from './dashboard-view';

/** Days the dashboard's plots cover, today included. */
export const DASHBOARD_PERIOD_DAYS = 30;

/** Who may see a client's dashboard: its owner and staff, and its brand's admin, on the client's host. */
const DASHBOARD_ROLES = ['client_owner', 'client_staff', 'brand_admin'];

/**
 * The client dashboard, rendered for `GET /` and `GET /dashboard` of a client host: the setup checklist
 * while the wizard is open, the calls in progress with their transcript, today's figures, and plots of the
 * last 30 days. The page's script keeps it current over `/live` (calls and turns as they happen, figures
 * fetched again from `/dashboard/summary.json` when a call ends or a rollup changes).
 */
export class DashboardPage {
  private readonly professions: ProfessionNames;
  private readonly assets: MonitoringAssets;

  constructor(private readonly kernel: Kernel) {
    this.professions = new ProfessionNames(join(kernel.rootDir, 'profession-packs'));
    this.assets = new MonitoringAssets(kernel.rootDir);
  }

  /**
   * The client's context when the signed-in user may see its dashboard; null when nobody is signed in
   * (pages redirect to sign-in, JSON answers 401); a 403 for anyone else.
   */
  access(request: FastifyRequest): TenantContext | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !DASHBOARD_ROLES.includes(principal.role)) throw new ForbiddenError();
    return tenantContextOf(request.tero);
  }

  /** Today's figures and the plots' period (the last 30 days, or the range asked for, checked by the summary). */
  async summary(ctx: TenantContext, range?: { from?: unknown; to?: unknown }): Promise<DashboardSummary> {
    const asked = range && (range.from !== undefined || range.to !== undefined);
    const [todays, period] = await this.kernel.analytics.summaries(ctx, (today) => [{ from: today, to: today }, asked ? range : { from: addDays(today, 1 - DASHBOARD_PERIOD_DAYS), to: today }]);
    return { today: todays!, period: period! };
  }

  async render(request: FastifyRequest, reply: FastifyReply) {
    const ctx = this.access(request);
    if (!ctx) return reply.redirect('/login', 303);
    const locale = request.tero.locale;
    const t = (key: string, vars: Record<string, unknown> = {}) => say(this.kernel, request, key, vars);
    const client = await this.kernel.accounts.getClient(ctx, ctx.clientId!);
    // A client that signed up sees its setup checklist until the wizard is complete.
    const [setup, summary, live] = await Promise.all([this.kernel.wizard.state(ctx), this.summary(ctx), this.kernel.analytics.liveCalls(ctx)]);
    const assets = this.assets.paths();
    return sendPage(this.kernel, request, reply, 'dashboard', {
      setup:
        setup && !setup.completedAt
          ? {
              doneCount: setup.doneCount,
              total: setup.total,
              percent: setup.percent,
              items: setup.items.map((item) => ({ step: item.step, done: item.done, label: t(`onboarding:steps.${item.step}.title`) })),
            }
          : null,
      title: client.name,
      client: {
        name: client.name,
        slug: client.slug,
        timezone: client.timezone,
        status: client.status,
        professionName: await this.professions.nameOf(client.professionPack, locale),
      },
      statusKey: `ui:status.${client.status}`,
      dashboardHost: request.headers.host,
      figures: formatFigures(summary.today, locale),
      live: live.map((call) => ({ ...call, routeLabel: t(`analytics:dashboard.routes.${call.route}`), startedTime: timeOf(call.startedAt, locale, summary.today.timezone) })),
      periodDays: DASHBOARD_PERIOD_DAYS,
      assets,
      dashboardData: dashboardData({ summary, live, locale, t, uplotCss: assets.uplotCss }),
    });
  }
}

/** `14:05`, on the client's clock. */
function timeOf(iso: string, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
}
