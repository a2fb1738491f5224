import { createHash } from 'node:crypto';
import type { PlanOverQuotaPolicy } from '@tero/db';

/**
 * Feature keys a plan may unlock. A closed list, so that a typo in a plan (`call_recordings`) is refused
 * when it is saved instead of silently unlocking nothing; a new feature is added here with its code.
 */
export const PLAN_FEATURES = ['call_recording', 'reports', 'crm_sync', 'llm_engine', 'api_access', 'priority_support'] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

/** The most a month (or an overage minute) may cost, in minor units: 100,000.00. Anything above is a typo. */
export const MAX_AMOUNT_MINOR = 10_000_000;
/** A year costs at most twelve of the largest months. */
export const MAX_ANNUAL_MINOR = 12 * MAX_AMOUNT_MINOR;
/** A minute of overage costs at most 100.00. */
export const MAX_OVERAGE_MINOR_PER_MINUTE = 10_000;
export const MAX_INCLUDED_MINUTES = 1_000_000;
export const MAX_TRIAL_DAYS = 90;

/** What a plan is, without the row's bookkeeping: the instance's defaults and a brand's plans alike. */
export interface PlanDefinition {
  code: string;
  name: string;
  currency: string;
  monthlyMinor: number;
  annualMinor: number;
  includedMinutes: number;
  overageMinorPerMinute: number;
  overQuota: PlanOverQuotaPolicy;
  features: PlanFeature[];
  trialDays: number;
  sortOrder: number;
}

/** Two months free: a year costs ten months. */
export const ANNUAL_MONTHS_CHARGED = 10;

export function defaultAnnualMinor(monthlyMinor: number): number {
  return monthlyMinor * ANNUAL_MONTHS_CHARGED;
}

const GROWTH_FEATURES: PlanFeature[] = ['call_recording', 'reports', 'crm_sync'];

/**
 * The roadmap's plans, seeded as the instance's defaults when the operator has none. Over quota, Starter
 * forwards calls to the owner's own phone (a small business on the cheapest plan gets no surprise bill,
 * and no caller is dropped); Growth and Pro keep the agent answering and bill the extra minutes, cheaper
 * per minute the larger the plan. Every plan starts with a 14-day trial.
 */
export const DEFAULT_PLANS: readonly PlanDefinition[] = Object.freeze([
  {
    code: 'starter',
    name: 'Starter',
    currency: 'USD',
    monthlyMinor: 29_900,
    annualMinor: defaultAnnualMinor(29_900),
    includedMinutes: 500,
    overageMinorPerMinute: 45,
    overQuota: 'forward',
    features: [],
    trialDays: 14,
    sortOrder: 10,
  },
  {
    code: 'growth',
    name: 'Growth',
    currency: 'USD',
    monthlyMinor: 49_900,
    annualMinor: defaultAnnualMinor(49_900),
    includedMinutes: 1_500,
    overageMinorPerMinute: 35,
    overQuota: 'overage',
    features: GROWTH_FEATURES,
    trialDays: 14,
    sortOrder: 20,
  },
  {
    code: 'pro',
    name: 'Pro',
    currency: 'USD',
    monthlyMinor: 79_900,
    annualMinor: defaultAnnualMinor(79_900),
    includedMinutes: 4_000,
    overageMinorPerMinute: 25,
    overQuota: 'overage',
    features: [...GROWTH_FEATURES, 'llm_engine', 'api_access', 'priority_support'],
    trialDays: 14,
    sortOrder: 30,
  },
]);

/**
 * The row id of a seeded default plan, derived from its code. Default plans have no brand, and a unique
 * key over a NULL brand does not hold on either engine; a fixed primary key does, so two processes seeding
 * at once insert each plan once.
 */
export function defaultPlanId(code: string): string {
  const hex = createHash('sha256').update(`tero:default-plan:${code}`).digest('hex');
  // Shaped as a version-8 (custom) UUID, which PostgreSQL's uuid type accepts like any other.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
