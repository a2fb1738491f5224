import type { EventBus, JobQueue, LoadedPlugins, PluginRegistry, TenantPluginConfigSource } from '@tero/core';
import { PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import type { Logger } from 'pino';
import { BILLING_EVENTS } from './billing-events';
import { type BillingLinks, type BillingMailer, BillingNotices } from './dunning/billing-notices';
import { dunningSweepJob } from './dunning/dunning.job';
import { DunningService } from './dunning/dunning.service';
import { BillingPaymentEffects } from './invoices/billing-payment-effects';
import { InvoiceService } from './invoices/invoice.service';
import { PlansService } from './plans/plans.service';
import { PaymentProviders } from './subscriptions/payment-providers';
import { PeriodEndSweep } from './subscriptions/period-end';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { OverageBilling } from './usage/overage-billing';
import { QuotaService } from './usage/quota.service';
import { UsageMeter } from './usage/usage-meter';
import { QuotaCheckAfterCall, usageSweepJob } from './usage/usage.jobs';
import { PaymentWebhookService } from './webhooks/payment-webhook.service';

export interface BillingDeps {
  db: Database;
  registry: PluginRegistry;
  plugins: LoadedPlugins;
  /** The brands' stored plugin settings (their payment credentials, encrypted). */
  pluginSettings: TenantPluginConfigSource;
  jobs: JobQueue;
  events: EventBus;
  mail: BillingMailer;
  i18n: I18nInstance;
  logger: Logger;
  links: BillingLinks;
  /** A theme's colour tokens, for invoice PDFs in the brand's colours. */
  themeTokens?: (themeId: string) => Record<string, string> | undefined;
  /** Told when a client's agent limits changed with its plan, so the next call is routed by them. */
  onAgentLimitsChanged?: (ctx: TenantContext, clientId: string) => void;
  clock?: () => Date;
}

/** Every billing service of a process, built once by the kernel (the composition root). */
export interface Billing {
  plans: PlansService;
  providers: PaymentProviders;
  subscriptions: SubscriptionsService;
  webhooks: PaymentWebhookService;
  invoices: InvoiceService;
  notices: BillingNotices;
  dunning: DunningService;
  usage: UsageMeter;
  quota: QuotaService;
  overage: OverageBilling;
  periodEnd: PeriodEndSweep;
  /** Registers the job processors (every process) and, where jobs run, starts the hourly sweeps. */
  start(options: { processJobs: boolean }): Promise<void>;
  stop(): void;
}

/**
 * Builds billing: plans, subscriptions at the brand's payment providers, the payment webhooks with their
 * effects (invoices, dunning), usage and quotas, and the hourly sweeps. Also listens on the bus: a
 * subscription that changed brings its agent's limits along, and a call that ended checks the quota.
 */
export function createBilling(deps: BillingDeps): Billing {
  const { db, events, logger, clock } = deps;
  const log = logger.child({ part: 'billing' });
  const providers = new PaymentProviders({ registry: deps.registry, plugins: deps.plugins, settings: deps.pluginSettings });
  const plans = new PlansService(db);
  const subscriptions = new SubscriptionsService({ db, providers, events, logger: log, clock });
  const invoices = new InvoiceService(db, { clock, i18n: deps.i18n, themeTokens: deps.themeTokens, events });
  const notices = new BillingNotices(db, deps.mail, deps.i18n, { links: deps.links, logger: log, clock });
  const dunning = new DunningService(db, notices, { events, logger: log, clock });
  const effects = new BillingPaymentEffects({ db, invoices, dunning, notices, i18n: deps.i18n, logger: log });
  const webhooks = new PaymentWebhookService({ db, providers, effects, events, logger: log, clock });
  const usage = new UsageMeter(db, { clock });
  const quota = new QuotaService(db, notices, { events, logger: log, clock });
  const overage = new OverageBilling(db, notices, (ctx, pluginId) => providers.forBrand(ctx, pluginId), { i18n: deps.i18n, logger: log, clock });
  const afterCall = new QuotaCheckAfterCall(deps.jobs, quota);
  const periodEnd = new PeriodEndSweep({ db, resolveProvider: (ctx, pluginId) => providers.forBrand(ctx, pluginId), events, logger: log, clock });
  const sweeps: PeriodicSweep[] = [
    dunningSweepJob(deps.jobs, dunning, { logger: log }),
    usageSweepJob(deps.jobs, quota, overage, { logger: log }),
    new PeriodicSweep(deps.jobs, { name: 'billing.period_end.sweep', run: () => periodEnd.sweep(), logger: log }),
  ];
  const unsubscribe: (() => void)[] = [];

  return {
    plans,
    providers,
    subscriptions,
    webhooks,
    invoices,
    notices,
    dunning,
    usage,
    quota,
    overage,
    periodEnd,
    async start({ processJobs }) {
      afterCall.register();
      for (const sweep of sweeps) sweep.register();
      unsubscribe.push(
        events.subscribe(BILLING_EVENTS.subscriptionChanged, async (event) => {
          if (!event.clientId) return;
          const ctx: TenantContext = { brandId: event.brandId, clientId: null, locale: 'en' };
          const synced = await quota.syncAgentQuota(ctx, event.clientId);
          if (synced?.changed) deps.onAgentLimitsChanged?.(ctx, event.clientId);
        }),
        events.subscribe('call.ended', async (event) => {
          const payload = event.payload as { billableSeconds?: number; test?: boolean } | null;
          if (!event.clientId || !payload?.billableSeconds) return;
          await afterCall.enqueue({ brandId: event.brandId, clientId: null, locale: 'en' }, event.clientId);
        }),
      );
      if (processJobs) for (const sweep of sweeps) await sweep.start();
    },
    stop() {
      for (const sweep of sweeps) sweep.stop();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
