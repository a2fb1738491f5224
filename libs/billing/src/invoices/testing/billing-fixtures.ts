import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InMemoryTenantPluginConfigSource, InProcessJobQueue, OutboxEmailTransport, type OutboxEmail, OutboxReader, PluginRegistry, createI18n } from '@tero/core';
import {
  AgentProfile,
  Brand,
  Call,
  Client,
  type Database,
  Plan,
  type PlanOverQuotaPolicy,
  Subscription,
  type SubscriptionStatus,
  SubscriptionTransition,
  User,
} from '@tero/db';
import { MailService } from '@tero/notifications';
import type { TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import pino from 'pino';
import { BillingNotices, type BillingLinks } from '../../dunning/billing-notices';

/** Test support for billing specs: seeded clients with a plan and subscription, calls, and real mail through the outbox. */

/** A clock tests move by hand. */
export class TestClock {
  constructor(private current: Date) {}
  readonly now = (): Date => new Date(this.current);
  set(instant: string | Date): void {
    this.current = new Date(instant);
  }
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
  advanceHours(hours: number): void {
    this.current = new Date(this.current.getTime() + hours * 3_600_000);
  }
}

export const silentLogger = pino({ level: 'silent' });

export const testLinks: BillingLinks = {
  clientUrl: (brand, client) => `https://${client.slug}.${brand.slug}.example.test`,
};

let sequence = 0;

export interface SeedOptions {
  brand?: Brand;
  brandName?: string;
  billingSettings?: Record<string, unknown>;
  currency?: string;
  locale?: string;
  timezone?: string;
  owners?: { name: string; email: string; locale?: string | null }[];
  plan?: Partial<{ name: string; monthlyMinor: number; annualMinor: number; includedMinutes: number; overageMinorPerMinute: number; overQuota: PlanOverQuotaPolicy }>;
  subscription?: Partial<{
    status: SubscriptionStatus;
    interval: 'month' | 'year';
    amountMinor: number;
    provider: string;
    currentPeriodStart: Date;
    currentPeriodEnd: Date;
    pastDueSince: Date | null;
    /** When the subscription first became active (a transition is recorded then). */
    activatedAt: Date;
  }>;
}

export interface SeededClient {
  ctx: TenantContext;
  brand: Brand;
  client: Client;
  plan: Plan;
  subscription: Subscription;
}

/**
 * A brand (unless given) and a client with an owner, an agent profile, a plan and a subscription to it,
 * active since its period start (recorded as a transition, as the webhook would).
 */
export async function seedBillingClient(db: Database, options: SeedOptions = {}): Promise<SeededClient> {
  const em = db.forInstance('billing test seed');
  const n = ++sequence;
  const brand =
    options.brand ??
    em.create(Brand, {
      name: options.brandName ?? `Brand ${n}`,
      slug: `brand-${n}-${randomUUID().slice(0, 6)}`,
      supportEmail: `help@brand${n}.test`,
      senderEmail: `billing@brand${n}.test`,
      currency: options.currency ?? 'USD',
      billingSettings: options.billingSettings ?? null,
    });
  const client = em.create(Client, {
    brand,
    name: `Clínica Dental ${n}`,
    slug: `dental-${n}`,
    professionPack: 'dentist',
    timezone: options.timezone ?? 'America/New_York',
    locale: options.locale ?? 'en',
  });
  for (const owner of options.owners ?? [{ name: 'Olivia Owner', email: `owner${n}@client.test` }]) {
    em.create(User, { brand, client, email: owner.email, name: owner.name, role: 'client_owner', locale: owner.locale ?? null });
  }
  em.create(User, { brand, client, email: `staff${n}@client.test`, name: 'Sam Staff', role: 'client_staff' });
  em.create(AgentProfile, {
    brand,
    client,
    hours: { mon: [['09:00', '17:00']] },
    services: [],
    faq: [],
    policies: { afterHours: 'ai', holiday: 'ai', suspended: 'forward', quotaExceeded: 'message', emergency: 'transfer' },
  });
  const p = options.plan ?? {};
  const plan = em.create(Plan, {
    brand,
    code: `growth-${n}`,
    name: p.name ?? 'Growth',
    currency: options.currency ?? 'USD',
    monthlyMinor: p.monthlyMinor ?? 49900,
    annualMinor: p.annualMinor ?? 499000,
    includedMinutes: p.includedMinutes ?? 500,
    overageMinorPerMinute: p.overageMinorPerMinute ?? 25,
    overQuota: p.overQuota ?? 'overage',
  });
  const s = options.subscription ?? {};
  const start = s.currentPeriodStart ?? new Date('2026-03-01T10:00:00Z');
  const subscription = em.create(Subscription, {
    brand,
    client,
    plan,
    interval: s.interval ?? 'month',
    status: s.status ?? 'active',
    provider: s.provider ?? 'payment-test',
    providerSubscriptionId: `sub_${randomUUID()}`,
    providerCustomerId: `cus_${n}`,
    amountMinor: s.amountMinor ?? p.monthlyMinor ?? 49900,
    currency: options.currency ?? 'USD',
    currentPeriodStart: start,
    currentPeriodEnd: s.currentPeriodEnd ?? new Date('2026-04-01T10:00:00Z'),
    pastDueSince: s.pastDueSince ?? null,
    createdAt: new Date((s.activatedAt ?? start).getTime() - 60_000),
  });
  em.create(SubscriptionTransition, { brand, client, subscription, fromStatus: 'incomplete', toStatus: 'active', cause: 'webhook:checkout.completed', at: s.activatedAt ?? start });
  if (s.status === 'past_due' || s.status === 'suspended') {
    em.create(SubscriptionTransition, { brand, client, subscription, fromStatus: 'active', toStatus: 'past_due', cause: 'webhook:payment.failed', at: s.pastDueSince ?? start });
  }
  await em.flush();
  return { ctx: { brandId: brand.id, clientId: client.id, locale: client.locale }, brand, client, plan, subscription };
}

/** A finished call of the client, metered `billableSeconds`. */
export async function addCall(db: Database, seeded: { brand: Brand; client: Client }, startedAt: Date, billableSeconds: number): Promise<void> {
  const em = db.forInstance('billing test call');
  em.create(Call, {
    brand: seeded.brand.id,
    client: seeded.client.id,
    callSid: `CA${randomUUID().replace(/-/g, '')}`,
    fromNumber: '+15550100001',
    toNumber: '+15550100002',
    route: 'open',
    status: 'completed',
    startedAt,
    endedAt: new Date(startedAt.getTime() + billableSeconds * 1000),
    durationSeconds: billableSeconds,
    billableSeconds,
  });
  await em.flush();
}

export const LOCALES_DIR = resolve(__dirname, '../../../../../locales');

/** i18n with the project's locales (the `billing` namespace among them). */
export function testI18n(): Promise<I18nInstance> {
  return createI18n(LOCALES_DIR);
}

/**
 * The real mail path of the embedded default: `MailService` queues a job on an in-process queue, the job
 * writes the message to an outbox folder; `sent()` drains the queue and reads what was written.
 */
export async function testMail(i18n: I18nInstance, db: Database, clock: () => Date) {
  const dir = mkdtempSync(join(tmpdir(), 'tero-billing-mail-'));
  const jobs = new InProcessJobQueue(silentLogger);
  const registry = new PluginRegistry({ plugins: [], report: { discovered: [], rejected: [] } }, new InMemoryTenantPluginConfigSource());
  const mail = new MailService(jobs, registry, new OutboxEmailTransport(dir), 'outbox');
  mail.register();
  await jobs.start();
  const reader = new OutboxReader(dir);
  const notices = new BillingNotices(db, mail, i18n, { links: testLinks, logger: silentLogger, clock });
  return {
    jobs,
    mail,
    notices,
    /** Every message sent so far, oldest first. */
    async sent(): Promise<OutboxEmail[]> {
      await jobs.drain();
      return (await reader.list({ limit: 200 })).reverse();
    },
    async close(): Promise<void> {
      await jobs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
