import { ValidationError } from '@tero/accounts';
import { PLAN_OVER_QUOTA_POLICIES } from '@tero/db';
import { z } from 'zod';
import {
  MAX_AMOUNT_MINOR,
  MAX_ANNUAL_MINOR,
  MAX_INCLUDED_MINUTES,
  MAX_OVERAGE_MINOR_PER_MINUTE,
  MAX_TRIAL_DAYS,
  PLAN_FEATURES,
  type PlanDefinition,
} from './default-plans';

/** Amounts are integer minor units (cents): a price is never negative, fractional or absurd. */
const minor = (max: number, min = 0) =>
  z
    .number({ error: 'must be a number of minor units (cents)' })
    .int('must be a whole number of minor units (cents)')
    .min(min, min > 0 ? `must be at least ${min}` : 'must not be negative')
    .max(max, `must be at most ${max}`);

export const planCodeSchema = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters and digits, single inner hyphens (starter, pro-plus)');

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, such as USD');

const planFields = {
  code: planCodeSchema,
  name: z.string().trim().min(1).max(80),
  currency: currencySchema,
  /** A plan is sold through vendors that refuse a zero price: a month costs at least one minor unit. */
  monthlyMinor: minor(MAX_AMOUNT_MINOR, 1),
  annualMinor: minor(MAX_ANNUAL_MINOR, 1),
  includedMinutes: z.number().int('must be a whole number of minutes').min(0, 'must not be negative').max(MAX_INCLUDED_MINUTES),
  overageMinorPerMinute: minor(MAX_OVERAGE_MINOR_PER_MINUTE),
  overQuota: z.enum(PLAN_OVER_QUOTA_POLICIES),
  features: z
    .array(z.enum(PLAN_FEATURES, { error: `must be one of ${PLAN_FEATURES.join(', ')}` }))
    .max(PLAN_FEATURES.length)
    .refine((features) => new Set(features).size === features.length, 'must not repeat a feature'),
  trialDays: z.number().int().min(0, 'must not be negative').max(MAX_TRIAL_DAYS),
  sortOrder: z.number().int().min(0).max(10_000),
};

/**
 * A new plan. `currency` defaults to the brand's (and must equal it); `annualMinor` defaults to ten
 * months (two months free).
 */
export const createPlanSchema = z
  .object({
    ...planFields,
    currency: planFields.currency.optional(),
    annualMinor: planFields.annualMinor.optional(),
    overQuota: planFields.overQuota.default('overage'),
    features: planFields.features.default([]),
    trialDays: planFields.trialDays.default(0),
    sortOrder: planFields.sortOrder.default(0),
  })
  .strict();
export type CreatePlanInput = z.input<typeof createPlanSchema>;

/** A change to a plan: any field; `active: false` withdraws it from sale (subscribers keep it). */
export const updatePlanSchema = z
  .object({ ...planFields, active: z.boolean() })
  .partial()
  .strict();
export type UpdatePlanInput = z.input<typeof updatePlanSchema>;

/**
 * Rules over the whole plan, checked after a change was laid over the stored plan: a year is a discount
 * on twelve months, never dearer.
 */
export function checkPlan(plan: PlanDefinition): void {
  if (plan.annualMinor > plan.monthlyMinor * 12) {
    throw new ValidationError([{ field: 'annualMinor', reason: `must be at most twelve months (${plan.monthlyMinor * 12})` }]);
  }
}
