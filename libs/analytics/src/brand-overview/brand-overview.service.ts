import { addDays } from '@tero/core';
import { AdminAccessLog, Brand, Client, type ClientStatus, type Database, OnboardingState } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { ClientSummary, LocalDateRange } from '../analytics.types';

/** The period the overview compares: the last 30 days (today included) against the 30 before. */
export const OVERVIEW_DAYS = 30;
/** Calls trending down: at least this many calls in the previous period… */
export const TREND_MIN_PREVIOUS_CALLS = 5;
/** …and this share of them or less in the current one (a drop of 30 % or more). */
export const TREND_DOWN_RATIO = 0.7;

/** Where a client's payments stand, as billing says: the status of the subscription in force, if any. */
export interface ClientPaymentState {
  clientId: string;
  /** `active`, `past_due`, `suspended`…; null without a subscription. */
  subscriptionStatus: string | null;
}

export interface BrandOverviewDeps {
  db: Database;
  /**
   * A client's figures over ranges of its local dates, given its today (the dashboard's own summaries, so
   * both agree; the client, its rollups and today's calls are read once for both periods).
   */
  summaries: (ctx: TenantContext, ranges: (today: string) => LocalDateRange[]) => Promise<Pick<ClientSummary, 'calls' | 'revenueMinor' | 'currency' | 'range'>[]>;
  /** Billing's view of the brand's clients (`billing.subscriptions.clientsOfBrand`). */
  paymentStates: (ctx: TenantContext) => Promise<ClientPaymentState[]>;
}

/** Why a client wants the brand admin's attention. */
export interface ClientHealth {
  /** 30 % fewer calls or worse than the previous 30 days (which had at least 5). */
  callsTrendingDown: boolean;
  /** The subscription is `past_due` (a payment failed, dunning runs) or `suspended`. */
  paymentFailed: boolean;
  /** The client signed up and has not finished its setup wizard (clients the brand created have no wizard). */
  setupIncomplete: boolean;
}

export interface BrandOverviewRow {
  clientId: string;
  name: string;
  slug: string;
  status: ClientStatus;
  range: LocalDateRange;
  calls: number;
  previousCalls: number;
  /** Change of calls against the previous period, -1..∞; null when the previous period had none. */
  callsChange: number | null;
  revenueMinor: number;
  currency: string;
  subscriptionStatus: string | null;
  health: ClientHealth;
}

/** A brand admin's entry into a client's dashboard, as the audit log keeps it. */
export interface AdminAccessEntry {
  at: Date;
  clientId: string | null;
  clientSlug: string;
  userEmail: string;
  action: string;
  ip: string | null;
}

export interface AdminAccessInput {
  clientId: string;
  userId: string;
  userEmail: string;
  ip?: string | null;
  userAgent?: string | null;
}

/** The brand admin's view of all the brand's clients, and the audit of their drill-downs into a client. */
export interface BrandOverview {
  /** Every client of the brand (a brand context), by name, with its last 30 days, revenue and health flags. */
  clients(ctx: TenantContext): Promise<BrandOverviewRow[]>;
  /** Records that an admin opens a client's dashboard (before the link is handed out); the client must be the brand's (404). */
  recordAccess(ctx: TenantContext, input: AdminAccessInput): Promise<{ id: string; client: Client }>;
  /** The brand's latest drill-downs, newest first. */
  recentAccess(ctx: TenantContext, limit?: number): Promise<AdminAccessEntry[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function brandOnly(ctx: TenantContext): TenantContext {
  if (ctx.clientId) throw new Error('the brand overview is the brand’s: its context names no client');
  return ctx;
}

/** Whether the calls went down enough to flag (see {@link TREND_DOWN_RATIO}). */
export function callsTrendingDown(calls: number, previousCalls: number): boolean {
  return previousCalls >= TREND_MIN_PREVIOUS_CALLS && calls <= previousCalls * TREND_DOWN_RATIO;
}

/** Builds the brand overview. Figures come from the analytics summary of each client, health from billing and the wizard's rows. */
export function createBrandOverview(deps: BrandOverviewDeps): BrandOverview {
  return {
    async clients(ctx) {
      const em = deps.db.forTenant(brandOnly(ctx));
      const [clients, setups, payments] = await Promise.all([
        em.find(Client, {}, { orderBy: { name: 'asc' } }),
        em.find(OnboardingState, {}, { fields: ['client', 'completedAt'] }),
        deps.paymentStates(ctx),
      ]);
      const setupIncomplete = new Set(setups.filter((s) => !s.completedAt).map((s) => s.client.id));
      const paymentOf = new Map(payments.map((p) => [p.clientId, p.subscriptionStatus]));
      const rows: BrandOverviewRow[] = [];
      for (const client of clients) {
        const clientCtx: TenantContext = { ...ctx, clientId: client.id };
        const [current, previous] = (await deps.summaries(clientCtx, (today) => [
          { from: addDays(today, -(OVERVIEW_DAYS - 1)), to: today },
          { from: addDays(today, -(2 * OVERVIEW_DAYS - 1)), to: addDays(today, -OVERVIEW_DAYS) },
        ])) as [Pick<ClientSummary, 'calls' | 'revenueMinor' | 'currency' | 'range'>, Pick<ClientSummary, 'calls'>];
        const subscriptionStatus = paymentOf.get(client.id) ?? null;
        rows.push({
          clientId: client.id,
          name: client.name,
          slug: client.slug,
          status: client.status,
          range: current.range,
          calls: current.calls,
          previousCalls: previous.calls,
          callsChange: previous.calls > 0 ? (current.calls - previous.calls) / previous.calls : null,
          revenueMinor: current.revenueMinor,
          currency: current.currency,
          subscriptionStatus,
          health: {
            callsTrendingDown: callsTrendingDown(current.calls, previous.calls),
            paymentFailed: subscriptionStatus === 'past_due' || subscriptionStatus === 'suspended',
            setupIncomplete: setupIncomplete.has(client.id),
          },
        });
      }
      return rows;
    },

    async recordAccess(ctx, input) {
      const em = deps.db.forTenant(brandOnly(ctx));
      // Not a UUID: no client has it (and PostgreSQL would refuse to compare it with one).
      const client = UUID.test(input.clientId) ? await em.findOne(Client, { id: input.clientId }) : null;
      if (!client) throw new TeroError('not_found', 'no such client in this brand', {}, { status: 404 });
      const row = em.create(AdminAccessLog, {
        brand: em.getReference(Brand, ctx.brandId),
        client,
        clientSlug: client.slug,
        userId: input.userId,
        userEmail: input.userEmail.slice(0, 254),
        action: 'dashboard',
        ip: input.ip?.slice(0, 64) ?? null,
        userAgent: input.userAgent?.slice(0, 255) ?? null,
      });
      await em.flush();
      return { id: row.id, client };
    },

    async recentAccess(ctx, limit = 20) {
      const rows = await deps.db.forTenant(brandOnly(ctx)).find(AdminAccessLog, {}, { orderBy: { createdAt: 'desc' }, limit });
      return rows.map((r) => ({ at: r.createdAt, clientId: r.client?.id ?? null, clientSlug: r.clientSlug, userEmail: r.userEmail, action: r.action, ip: r.ip ?? null }));
    },
  };
}
