import { join } from 'node:path';
import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@tero/accounts';
import { type PlanView, type SubscriptionView, brandBillingSettings, formatMoney } from '@tero/billing';
import { Brand, Client } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { KERNEL } from '../http/tokens';
import { tenantContextOf } from '../http/request-context';
import type { Kernel } from '../kernel';
import { ProfessionNames } from '../pages/profession-names';
import { checkedForm, errorText, originOf, say, sendPage } from '../pages/page-kit';

type Form = Record<string, unknown>;

/**
 * How long the link that signs a new owner in after the checkout stays usable: long enough to fill in a
 * card at the payment provider; it works once.
 */
const SIGNUP_HANDOVER_SECONDS = 60 * 60;
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** Digits after the decimal point of a currency (2 for USD, 0 for JPY). */
function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `"499.00"` → 49900 in the currency's minor units; a clear field error for anything else. */
export function parseMoneyInput(field: string, value: unknown, currency: string): number {
  const text = str(value).replace(/,/g, '');
  const digits = minorDigits(currency);
  const pattern = digits === 0 ? /^\d{1,9}$/ : new RegExp(`^\\d{1,9}(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(text)) throw new ValidationError([{ field, reason: `must be an amount like ${digits ? '499.00' : '499'}, not negative` }]);
  const [whole, fraction = ''] = text.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

function integerInput(field: string, value: unknown): number {
  const text = str(value);
  if (!/^\d{1,9}$/.test(text)) throw new ValidationError([{ field, reason: 'must be a whole number, not negative' }]);
  return Number(text);
}

function moneyInput(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits ? (amountMinor / 10 ** digits).toFixed(digits) : String(amountMinor);
}

/** A DNS-label slug from a business name: `Bright Smile Dental` → `bright-smile-dental`. */
function slugOf(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return base || 'client';
}

/**
 * Billing pages: the client's `/billing` (plan, usage meter, invoices, change plan, switch provider,
 * payment method, cancel), the brand admin's `/admin/billing` (plans, payment accounts, invoicing and
 * dunning settings, clients' billing states, revenue), the operator's default plans, and the public
 * sign-up on a brand's host that ends at the payment provider's checkout. Forms are CSRF-checked; every
 * action goes through `kernel.billing` with the request's tenant.
 */
@Controller()
export class BillingPagesController {
  private readonly professions: ProfessionNames;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.professions = new ProfessionNames(join(kernel.rootDir, 'profession-packs'));
  }

  private money(request: FastifyRequest, amountMinor: number, currency: string): string {
    return formatMoney(amountMinor, currency, request.tero.locale);
  }

  private day(request: FastifyRequest, at: Date | null | undefined): string {
    return at ? new Intl.DateTimeFormat(request.tero.locale, { dateStyle: 'medium' }).format(at) : '';
  }

  private providerName(pluginId: string): string {
    return this.kernel.plugins.plugins.find((p) => p.manifest.id === pluginId)?.manifest.displayName ?? pluginId;
  }

  // ---- client: /billing ----

  /** Signed-in owner, staff or brand admin on a client host; `manage` is false for staff (read only). */
  private clientAccess(request: FastifyRequest): { ctx: TenantContext; clientId: string; manage: boolean } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), clientId: host.client.id, manage: principal.role !== 'client_staff' };
  }

  private async billingPage(request: FastifyRequest, reply: FastifyReply, extra: { error?: string; notice?: string } = {}, status = 200) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    const { ctx, clientId, manage } = access;
    const billing = this.kernel.billing;
    const client = await this.kernel.accounts.getClient(ctx, clientId);
    const [subscription, plans, usage, invoices] = await Promise.all([
      billing.subscriptions.current(ctx, clientId),
      billing.plans.list(ctx),
      billing.usage.usageSummary(ctx, clientId),
      billing.invoices.list(ctx, clientId, { limit: 50 }),
    ]);
    const brand = await this.kernel.db.forTenant(ctx).findOneOrFail(Brand, { id: ctx.brandId });
    const settings = brandBillingSettings(brand.billingSettings);
    const providers = (await billing.providers.list(ctx, { defaultProvider: settings.defaultProvider }))
      .filter((p) => p.configured)
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
      .map((p) => ({ id: p.pluginId, name: p.displayName }));
    const query = request.query as Record<string, string | undefined>;
    const notice = extra.notice ?? (query.checkout === 'done' ? say(this.kernel, request, 'ui:billing.checkoutDone') : query.checkout === 'canceled' ? say(this.kernel, request, 'ui:billing.checkoutCanceled') : undefined);
    return sendPage(
      this.kernel,
      request,
      reply,
      'billing',
      {
        title: say(this.kernel, request, 'ui:billing.title'),
        client: { name: client.name },
        notice,
        error: extra.error,
        canManage: manage,
        suspended: client.status === 'suspended',
        subscription: subscription ? this.subscriptionData(request, subscription) : null,
        usage: usage
          ? {
              usedMinutes: usage.usedMinutes,
              includedMinutes: usage.includedMinutes,
              percent: usage.percent,
              percentCapped: Math.min(100, usage.percent),
              level: usage.percent >= 100 ? 'over' : usage.percent >= 80 ? 'warn' : 'ok',
              overageMinutes: usage.overQuota === 'overage' ? usage.overageMinutes : 0,
              overageAmount: this.money(request, usage.projectedOverageMinor, subscription?.currency ?? brand.currency),
              periodStart: this.day(request, usage.periodStart),
              periodEnd: this.day(request, usage.periodEnd),
            }
          : null,
        plans: plans.filter((p) => p.active).map((p) => this.planData(request, p, subscription)),
        providers,
        otherProviders: subscription ? providers.filter((p) => p.id !== subscription.provider) : [],
        invoices: invoices.map((invoice) => ({
          number: invoice.number,
          date: this.day(request, invoice.issuedAt),
          total: this.money(request, invoice.totalMinor, invoice.currency),
          statusKey: `ui:billing.invoiceStatus.${invoice.status}`,
          pdfUrl: `/billing/invoices/${invoice.id}.pdf`,
        })),
      },
      status,
    );
  }

  private subscriptionData(request: FastifyRequest, s: SubscriptionView) {
    return {
      status: s.status,
      statusKey: `ui:billing.subscriptionStatus.${s.status}`,
      planName: s.plan.name,
      intervalLabel: say(this.kernel, request, `ui:billing.intervalLabel.${s.interval}`),
      amount: this.money(request, s.amountMinor, s.currency),
      providerName: this.providerName(s.provider),
      nextCharge: s.nextCharge ? { amount: this.money(request, s.nextCharge.amountMinor, s.nextCharge.currency), date: this.day(request, s.nextCharge.at) } : null,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      periodEnd: this.day(request, s.currentPeriodEnd),
      pendingSwitch: s.pendingSwitch ? { providerName: this.providerName(s.pendingSwitch.provider), startsAt: this.day(request, s.pendingSwitch.startsAt) } : null,
    };
  }

  private planData(request: FastifyRequest, p: PlanView, subscription: SubscriptionView | null) {
    return {
      id: p.id,
      code: p.code,
      name: p.name,
      monthly: this.money(request, p.monthlyMinor, p.currency),
      annual: this.money(request, p.annualMinor, p.currency),
      includedMinutes: p.includedMinutes,
      overage: this.money(request, p.overageMinorPerMinute, p.currency),
      features: p.features,
      current: subscription?.plan.id === p.id,
    };
  }

  /** Runs a client's billing action; a refused one shows the page again with the reason. */
  private async clientAction(request: FastifyRequest, reply: FastifyReply, act: (ctx: TenantContext, clientId: string, form: Form) => Promise<string>) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    if (!access.manage) throw new ForbiddenError();
    try {
      const location = await act(access.ctx, access.clientId, checkedForm(this.kernel, request));
      return reply.redirect(location, 303);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError)) {
        return this.billingPage(request, reply, { error: errorText(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  private returnUrls(request: FastifyRequest) {
    const here = originOf(this.kernel, request, request.headers.host ?? '');
    return { successUrl: `${here}/billing?checkout=done`, cancelUrl: `${here}/billing?checkout=canceled` };
  }

  @Get('/billing')
  async billing(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.billingPage(request, reply);
  }

  @Post('/billing/checkout')
  async checkout(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form) => {
      const started = await this.kernel.billing.subscriptions.startCheckout(ctx, {
        clientId,
        planId: str(form.planId),
        interval: (str(form.interval) || 'month') as 'month' | 'year',
        provider: str(form.provider) || undefined,
        ...this.returnUrls(request),
      });
      return started.redirectUrl;
    });
  }

  @Post('/billing/plan')
  async changePlan(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form) => {
      await this.kernel.billing.subscriptions.changePlan(ctx, { clientId, planId: str(form.planId), interval: (str(form.interval) || undefined) as 'month' | 'year' | undefined });
      return '/billing?done=plan';
    });
  }

  @Post('/billing/switch')
  async switchProvider(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form) => {
      const started = await this.kernel.billing.subscriptions.switchProvider(ctx, { clientId, provider: str(form.provider), ...this.returnUrls(request) });
      return started.redirectUrl;
    });
  }

  @Post('/billing/cancel')
  async cancel(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId) => {
      await this.kernel.billing.subscriptions.cancel(ctx, { clientId, atPeriodEnd: true });
      return '/billing?done=cancel';
    });
  }

  @Post('/billing/portal')
  async portal(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId) => {
      const { url } = await this.kernel.billing.subscriptions.portal(ctx, { clientId, returnUrl: `${originOf(this.kernel, request, request.headers.host ?? '')}/billing` });
      return url;
    });
  }

  /** `GET /billing/invoices/<id>.pdf`: the invoice in the brand's theme and the client's language. */
  @Get('/billing/invoices/:file')
  async invoicePdf(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('file') file: string) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    const match = /^([0-9a-f-]{36})\.pdf$/.exec(file);
    if (!match) throw new NotFoundError('invoice');
    const { filename, content, invoice } = await this.kernel.billing.invoices.pdf(access.ctx, match[1]!);
    if (invoice.client.id !== access.clientId) throw new NotFoundError('invoice');
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .header('cache-control', 'private, no-store')
      .send(content);
  }

  // ---- public sign-up on a brand's host ----

  private async signupPage(request: FastifyRequest, reply: FastifyReply, extra: { error?: string; values?: Form } = {}, status = 200) {
    const host = request.tero.host;
    if (host.kind !== 'brand') throw new NotFoundError('page');
    const ctx = tenantContextOf(request.tero);
    const brand = await this.kernel.db.forTenant(ctx).findOneOrFail(Brand, { id: ctx.brandId });
    const settings = brandBillingSettings(brand.billingSettings);
    const plans = (await this.kernel.billing.plans.list(ctx)).filter((p) => p.active).map((p) => this.planData(request, p, null));
    const providers = (await this.kernel.billing.providers.list(ctx, { defaultProvider: settings.defaultProvider }))
      .filter((p) => p.configured)
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
      .map((p) => ({ id: p.pluginId, name: p.displayName }));
    const professions = await this.professions.list(request.tero.locale);
    const values = extra.values ?? {};
    return sendPage(
      this.kernel,
      request,
      reply,
      'signup',
      {
        title: say(this.kernel, request, 'ui:signup.title', { brand: brand.name }),
        error: extra.error,
        plans,
        providers,
        professions: professions.map((p) => ({ ...p, selected: values.profession === p.id })),
        values: { businessName: str(values.businessName), ownerName: str(values.ownerName), email: str(values.email) },
      },
      status,
    );
  }

  @Get('/signup')
  async signup(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.signupPage(request, reply);
  }

  @Post('/signup')
  async submitSignup(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const host = request.tero.host;
    if (host.kind !== 'brand') throw new NotFoundError('page');
    let form: Form = {};
    try {
      form = checkedForm(this.kernel, request);
      const ctx = tenantContextOf(request.tero);
      const businessName = str(form.businessName);
      if (!businessName) throw new ValidationError([{ field: 'businessName', reason: 'is required' }]);
      const em = this.kernel.db.forTenant(ctx);
      let slug = slugOf(businessName);
      for (let n = 2; (await em.count(Client, { slug })) > 0; n++) slug = `${slugOf(businessName).slice(0, 36)}-${n}`;
      // Everything a sign-up needs is checked before anything is written, so bad input changes nothing.
      const plan = await this.kernel.billing.plans.get(ctx, str(form.planId));
      const provider = str(form.provider);
      if (!(await this.kernel.billing.providers.isAvailable(ctx, provider))) {
        throw new TeroError('billing.provider_unavailable', `payment provider "${provider}" is not set up for this brand`, { provider }, { status: 400 });
      }
      const profession = str(form.profession);
      if (!(await this.professions.list(request.tero.locale)).some((p) => p.id === profession)) {
        throw new ValidationError([{ field: 'profession', reason: 'is not a profession this instance offers' }]);
      }
      // The client, its owner, the agent profile from the pack and the wizard state: one transaction.
      const { client, owner } = await this.kernel.accounts.createClientWithOwner(
        ctx,
        { name: businessName, slug, professionPack: profession, locale: request.tero.locale },
        { email: str(form.email), name: str(form.ownerName), password: typeof form.password === 'string' ? form.password : '', locale: request.tero.locale },
        { status: 'onboarding', within: (tx, clientCtx, created) => this.kernel.wizard.prepare(tx, clientCtx, created) },
      );
      const clientCtx: TenantContext = { ...ctx, clientId: client.id };
      let started: { redirectUrl: string };
      try {
        // The owner comes back from the checkout to the wizard on the client's host, signed in by a
        // one-time link (cookies are per host).
        const handover = new URL(await this.kernel.auth.issueMagicLink(owner, SIGNUP_HANDOVER_SECONDS)).searchParams.get('token') ?? '';
        const clientOrigin = originOf(this.kernel, request, this.kernel.resolver.clientHost(host.brand, client.slug));
        started = await this.kernel.billing.subscriptions.startCheckout(ctx, {
          clientId: client.id,
          planId: plan.id,
          interval: (str(form.interval) || 'month') as 'month' | 'year',
          provider,
          successUrl: `${clientOrigin}/setup/welcome?token=${encodeURIComponent(handover)}`,
          cancelUrl: `${clientOrigin}/billing?checkout=canceled`,
        });
      } catch (error) {
        // No checkout, no sign-up: the client and everything made with it go, so the same e-mail can try
        // again (a client left behind would hold the e-mail and the slug with nothing to resume from).
        await this.kernel.accounts.deleteClient(ctx, client.id);
        throw error;
      }
      // Announced only once the rows are committed and the checkout started: no event names a removed client.
      await this.kernel.wizard.announce(clientCtx, { userId: owner.id });
      return reply.redirect(started.redirectUrl, 303);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500) {
        const { password: _password, _csrf, ...values } = form;
        return this.signupPage(request, reply, { error: errorText(this.kernel, request, error), values }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  // ---- brand admin: /admin/billing ----

  private brandAccess(request: FastifyRequest): TenantContext | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'brand' || principal.role !== 'brand_admin') throw new ForbiddenError();
    return tenantContextOf(request.tero);
  }

  private async brandPage(request: FastifyRequest, reply: FastifyReply, extra: { error?: string; notice?: string } = {}, status = 200) {
    const ctx = this.brandAccess(request);
    if (!ctx) return reply.redirect('/login', 303);
    const billing = this.kernel.billing;
    const em = this.kernel.db.forTenant(ctx);
    const brand = await em.findOneOrFail(Brand, { id: ctx.brandId });
    const settings = brandBillingSettings(brand.billingSettings);
    const [plans, clients, providers] = await Promise.all([
      billing.plans.list(ctx, { includeInactive: true }),
      billing.subscriptions.clientsOfBrand(ctx),
      billing.providers.list(ctx, { defaultProvider: settings.defaultProvider }),
    ]);
    const now = new Date();
    const paid = await billing.invoices.paidSince(ctx, new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
    const states = new Map<string, number>();
    for (const c of clients) {
      const status = c.subscription?.status ?? 'none';
      states.set(status, (states.get(status) ?? 0) + 1);
    }
    const providerForms = [];
    for (const p of providers) {
      const manifest = this.kernel.plugins.plugins.find((candidate) => candidate.manifest.id === p.pluginId)?.manifest;
      const properties = ((manifest?.tenantConfig as { properties?: Record<string, { writeOnly?: boolean; description?: string }> } | undefined)?.properties ?? {}) as Record<string, { writeOnly?: boolean; description?: string }>;
      const current = (await this.kernel.pluginSettings.get(ctx, p.pluginId)) ?? {};
      const segment = p.pluginId.replace(/^payment-/, '');
      providerForms.push({
        id: p.pluginId,
        name: p.displayName,
        configured: p.configured,
        webhookUrl: `${originOf(this.kernel, request, request.headers.host ?? '')}/hooks/payments/${segment}/${brand.slug}`,
        fields: Object.entries(properties).map(([key, schema]) => ({ key, label: schema.description ? `${key} — ${schema.description}` : key, secret: schema.writeOnly === true, set: current[key] !== undefined && current[key] !== '' })),
      });
    }
    return sendPage(
      this.kernel,
      request,
      reply,
      'brand-billing',
      {
        title: say(this.kernel, request, 'ui:brandBilling.title', { brand: brand.name }),
        error: extra.error,
        notice: extra.notice,
        currency: brand.currency,
        summary: {
          revenue: paid.length ? paid.map((sum) => this.money(request, sum.totalMinor, sum.currency)).join(' + ') : this.money(request, 0, brand.currency),
          invoiceCount: paid.reduce((count, sum) => count + sum.count, 0),
          states: [...states].map(([status, count]) => ({ status, count, statusKey: status === 'none' ? 'ui:billing.noSubscription' : `ui:billing.subscriptionStatus.${status}` })),
        },
        clients: clients.map((c) => ({
          name: c.clientName,
          planName: c.subscription?.plan.name ?? '—',
          status: c.subscription?.status ?? 'none',
          statusKey: c.subscription ? `ui:billing.subscriptionStatus.${c.subscription.status}` : 'ui:billing.noSubscription',
          providerName: c.subscription ? this.providerName(c.subscription.provider) : '—',
          nextCharge: c.subscription?.nextCharge ? `${this.money(request, c.subscription.nextCharge.amountMinor, c.subscription.nextCharge.currency)} · ${this.day(request, c.subscription.nextCharge.at)}` : '—',
        })),
        plans: plans.map((p) => this.planForm(p)),
        providers: providerForms,
        settings: {
          taxRatePercent: (settings.taxRateBps / 100).toString(),
          taxLabel: settings.taxLabel ?? '',
          taxNumber: settings.taxNumber ?? '',
          legalName: settings.legalName ?? '',
          address: settings.address.join('\n'),
          invoicePrefix: settings.invoicePrefix,
          dunningDays: settings.dunningDays.join(', '),
          graceDays: settings.graceDays,
        },
      },
      status,
    );
  }

  private planForm(p: PlanView) {
    return {
      ...p,
      monthlyInput: moneyInput(p.monthlyMinor, p.currency),
      annualInput: moneyInput(p.annualMinor, p.currency),
      overageInput: moneyInput(p.overageMinorPerMinute, p.currency),
      featuresInput: p.features.join(', '),
    };
  }

  /** A plan form's fields in our terms: amounts in minor units of the brand's currency. */
  private planInput(form: Form, currency: string) {
    return {
      name: str(form.name),
      monthlyMinor: parseMoneyInput('monthly', form.monthly, currency),
      annualMinor: parseMoneyInput('annual', form.annual, currency),
      includedMinutes: integerInput('includedMinutes', form.includedMinutes),
      overageMinorPerMinute: parseMoneyInput('overagePerMinute', form.overagePerMinute, currency),
      overQuota: str(form.overQuota) as 'overage' | 'voicemail' | 'forward',
      features: str(form.features)
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean) as never[],
      trialDays: str(form.trialDays) ? integerInput('trialDays', form.trialDays) : 0,
    };
  }

  private async brandAction(request: FastifyRequest, reply: FastifyReply, act: (ctx: TenantContext, form: Form, brand: Brand) => Promise<string>) {
    const ctx = this.brandAccess(request);
    if (!ctx) return reply.redirect('/login', 303);
    try {
      const form = checkedForm(this.kernel, request);
      const brand = await this.kernel.db.forTenant(ctx).findOneOrFail(Brand, { id: ctx.brandId });
      const notice = await act(ctx, form, brand);
      return this.brandPage(request, reply, { notice });
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError)) {
        return this.brandPage(request, reply, { error: errorText(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  @Get('/admin/billing')
  async brandBilling(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandPage(request, reply);
  }

  @Post('/admin/billing/plans')
  async createPlan(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form, brand) => {
      await this.kernel.billing.plans.create(ctx, { code: str(form.code), ...this.planInput(form, brand.currency) });
      return say(this.kernel, request, 'ui:brandBilling.planCreated');
    });
  }

  @Post('/admin/billing/plans/:id')
  async updatePlan(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.brandAction(request, reply, async (ctx, form, brand) => {
      await this.kernel.billing.plans.update(ctx, id, { ...this.planInput(form, brand.currency), active: form.active === '1' || form.active === 'on' });
      return say(this.kernel, request, 'ui:brandBilling.saved');
    });
  }

  @Post('/admin/billing/providers/:pluginId')
  async saveProvider(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('pluginId') pluginId: string) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const plugin = this.kernel.plugins.plugins.find((p) => p.manifest.id === pluginId && p.manifest.kinds.includes('payment'));
      if (!plugin) throw new NotFoundError('payment provider');
      const keys = Object.keys(((plugin.manifest.tenantConfig as { properties?: object } | undefined)?.properties ?? {}) as object);
      const next: Record<string, unknown> = { ...((await this.kernel.pluginSettings.get(ctx, pluginId)) ?? {}) };
      // An empty field keeps what is stored: secrets are never shown again, so the form cannot carry them.
      for (const key of keys) if (str(form[key])) next[key] = str(form[key]);
      await this.kernel.pluginSettings.set(ctx, pluginId, next);
      return say(this.kernel, request, 'ui:brandBilling.credentialsSaved');
    });
  }

  @Post('/admin/billing/settings')
  async saveSettings(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form, brand) => {
      const percent = str(form.taxRatePercent) || '0';
      if (!/^\d{1,2}(\.\d{1,2})?$/.test(percent)) throw new ValidationError([{ field: 'taxRatePercent', reason: 'must be a percentage like 8.25, between 0 and 50' }]);
      const days = str(form.dunningDays)
        .split(/[\s,;]+/)
        .filter(Boolean);
      if (days.some((d) => !/^\d{1,2}$/.test(d))) throw new ValidationError([{ field: 'dunningDays', reason: 'must be whole days separated by commas, like 0, 3, 7' }]);
      const candidate = {
        ...(brand.billingSettings ?? {}),
        taxRateBps: Math.round(Number(percent) * 100),
        taxLabel: str(form.taxLabel) || null,
        taxNumber: str(form.taxNumber) || null,
        legalName: str(form.legalName) || null,
        address: str(form.address)
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean),
        invoicePrefix: str(form.invoicePrefix) || 'INV',
        dunningDays: days.map(Number),
        graceDays: integerInput('graceDays', form.graceDays),
      };
      const settings = brandBillingSettings(candidate);
      const em = this.kernel.db.forTenant(ctx);
      const row = await em.findOneOrFail(Brand, { id: ctx.brandId });
      row.billingSettings = { ...settings };
      await em.flush();
      return say(this.kernel, request, 'ui:brandBilling.saved');
    });
  }

  // ---- operator: default plans ----

  private operatorAccess(request: FastifyRequest): boolean {
    const { principal, host } = request.tero;
    if (!principal) return false;
    if (host.kind !== 'instance' || principal.role !== 'operator') throw new ForbiddenError();
    return true;
  }

  private async operatorPage(request: FastifyRequest, reply: FastifyReply, extra: { error?: string; notice?: string } = {}, status = 200) {
    if (!this.operatorAccess(request)) return reply.redirect('/login', 303);
    const plans = await this.kernel.billing.plans.listDefaults({ includeInactive: true });
    return sendPage(this.kernel, request, reply, 'operator-plans', { title: say(this.kernel, request, 'ui:operatorPlans.title'), ...extra, plans: plans.map((p) => this.planForm(p)) }, status);
  }

  @Get('/operator/plans')
  async operatorPlans(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.operatorPage(request, reply);
  }

  @Post('/operator/plans/:id')
  async updateDefaultPlan(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    if (!this.operatorAccess(request)) return reply.redirect('/login', 303);
    try {
      const form = checkedForm(this.kernel, request);
      const current = (await this.kernel.billing.plans.listDefaults({ includeInactive: true })).find((p) => p.id === id);
      if (!current) throw new NotFoundError('plan');
      await this.kernel.billing.plans.updateDefault(id, { ...this.planInput(form, current.currency), active: form.active === '1' || form.active === 'on' });
      return this.operatorPage(request, reply, { notice: say(this.kernel, request, 'ui:brandBilling.saved') });
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError)) {
        return this.operatorPage(request, reply, { error: errorText(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }
}
