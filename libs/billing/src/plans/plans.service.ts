import type { EntityManager } from '@mikro-orm/core';
import { parseInput } from '@tero/accounts';
import { Brand, type Database, Plan } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { brandScopeRequired, currencyMismatch, planCodeImmutable, planCodeTaken, planNotFound } from '../billing-errors';
import { isUniqueViolation, uuidOrNil } from '../db-utils';
import { DEFAULT_PLANS, defaultAnnualMinor, defaultPlanId, type PlanDefinition, type PlanFeature } from './default-plans';
import { checkPlan, createPlanSchema, updatePlanSchema, type CreatePlanInput, type UpdatePlanInput } from './plan.schemas';

/** A plan as billing's callers see it (routes, pages, other services): plain data, no ORM entity. */
export interface PlanView extends PlanDefinition {
  id: string;
  /** null for one of the instance's defaults. */
  brandId: string | null;
  active: boolean;
}

export function planView(plan: Plan): PlanView {
  return {
    id: plan.id,
    brandId: plan.brand ? plan.brand.id : null,
    code: plan.code,
    name: plan.name,
    currency: plan.currency,
    monthlyMinor: plan.monthlyMinor,
    annualMinor: plan.annualMinor,
    includedMinutes: plan.includedMinutes,
    overageMinorPerMinute: plan.overageMinorPerMinute,
    overQuota: plan.overQuota,
    features: [...plan.features] as PlanFeature[],
    trialDays: plan.trialDays,
    sortOrder: plan.sortOrder,
    active: plan.active,
  };
}

const ORDER = { sortOrder: 'asc', code: 'asc' } as const;

/** The plan's own fields of a definition, as a Plan row takes them. */
function fieldsOf(definition: PlanDefinition): PlanDefinition {
  const { code, name, currency, monthlyMinor, annualMinor, includedMinutes, overageMinorPerMinute, overQuota, features, trialDays, sortOrder } = definition;
  return { code, name, currency, monthlyMinor, annualMinor, includedMinutes, overageMinorPerMinute, overQuota, features: [...features], trialDays, sortOrder };
}

/**
 * The plans brands sell. The operator edits the instance's defaults (rows without a brand, seeded from
 * {@link DEFAULT_PLANS} the first time they are read); a brand gets a copy of the active defaults in its
 * own currency when it first needs plans, and its administrators edit that copy. Prices are integer minor
 * units before tax. A plan is never deleted: withdrawn (`active: false`), it stays for its subscribers and
 * invoices. A price change applies to new checkouts and plan changes; running subscriptions keep the
 * amount they were sold at.
 */
export class PlansService {
  constructor(private readonly db: Database) {}

  // --- the instance's defaults (operator) ------------------------------------------------------------

  /** The instance's default plans, seeded from code when there are none. */
  async listDefaults(options: { includeInactive?: boolean } = {}): Promise<PlanView[]> {
    const em = this.instanceEm();
    let plans = await em.find(Plan, { brand: null }, { orderBy: ORDER });
    if (!plans.length) {
      await this.seedDefaults();
      plans = await this.instanceEm().find(Plan, { brand: null }, { orderBy: ORDER });
    }
    return plans.filter((plan) => options.includeInactive || plan.active).map(planView);
  }

  async createDefault(input: CreatePlanInput): Promise<PlanView> {
    await this.listDefaults();
    const parsed = parseInput(createPlanSchema, input);
    const definition: PlanDefinition = { ...parsed, currency: parsed.currency ?? 'USD', annualMinor: parsed.annualMinor ?? defaultAnnualMinor(parsed.monthlyMinor) };
    checkPlan(definition);
    const em = this.instanceEm();
    // A NULL brand escapes the unique key (brand, code), so the code is checked here.
    if (await em.findOne(Plan, { brand: null, code: definition.code })) throw planCodeTaken(definition.code);
    const plan = em.create(Plan, { brand: null, ...fieldsOf(definition) });
    await em.flush();
    return planView(plan);
  }

  async updateDefault(planId: string, patch: UpdatePlanInput): Promise<PlanView> {
    const em = this.instanceEm();
    const plan = await em.findOne(Plan, { id: uuidOrNil(planId), brand: null });
    if (!plan) throw planNotFound(planId);
    this.applyPatch(plan, parseInput(updatePlanSchema, patch), null);
    await em.flush();
    return planView(plan);
  }

  // --- a brand's plans -------------------------------------------------------------------------------

  /**
   * Gives a brand its plans: a copy of the instance's active defaults, in the brand's currency (the
   * amounts are copied as they are: a brand selling in another currency sets its own prices). Does
   * nothing for a brand that has plans. Safe to call concurrently: the unique key (brand, code) lets one
   * copy win.
   */
  async ensureBrandPlans(brand: string | { id: string }): Promise<PlanView[]> {
    const brandId = typeof brand === 'string' ? brand : brand.id;
    const em = this.brandEm(brandId);
    const existing = await em.find(Plan, {}, { orderBy: ORDER });
    if (existing.length) return existing.map(planView);
    const defaults = await this.listDefaults();
    try {
      const { currency } = await this.brandEm(brandId).findOneOrFail(Brand, { id: brandId });
      await em.transactional(async (tx) => {
        for (const plan of defaults) tx.create(Plan, { brand: tx.getReference(Brand, brandId), ...fieldsOf(plan), currency });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return (await this.brandEm(brandId).find(Plan, {}, { orderBy: ORDER })).map(planView);
  }

  /** The brand's plans for sale (or all of them), first copying the defaults into a brand that has none. */
  async list(ctx: TenantContext, options: { includeInactive?: boolean } = {}): Promise<PlanView[]> {
    const plans = await this.ensureBrandPlans(ctx.brandId);
    return plans.filter((plan) => options.includeInactive || plan.active);
  }

  /** One of the brand's plans, withdrawn or not; another brand's id is not found. */
  async get(ctx: TenantContext, planId: string): Promise<PlanView> {
    return planView(await this.findBrandPlan(this.brandEm(ctx.brandId), planId));
  }

  async create(ctx: TenantContext, input: CreatePlanInput): Promise<PlanView> {
    const brandId = this.brandWriter(ctx);
    const parsed = parseInput(createPlanSchema, input);
    const em = this.brandEm(brandId);
    const brand = await this.brandEm(brandId).findOneOrFail(Brand, { id: brandId });
    if (parsed.currency !== undefined && parsed.currency !== brand.currency) throw currencyMismatch('currency', parsed.currency, brand.currency);
    const definition: PlanDefinition = { ...parsed, currency: brand.currency, annualMinor: parsed.annualMinor ?? defaultAnnualMinor(parsed.monthlyMinor) };
    checkPlan(definition);
    await this.ensureBrandPlans(brandId);
    if (await em.findOne(Plan, { code: definition.code })) throw planCodeTaken(definition.code);
    const plan = em.create(Plan, { brand: em.getReference(Brand, brandId), ...fieldsOf(definition) });
    try {
      await em.flush();
    } catch (error) {
      if (isUniqueViolation(error)) throw planCodeTaken(definition.code);
      throw error;
    }
    return planView(plan);
  }

  async update(ctx: TenantContext, planId: string, patch: UpdatePlanInput): Promise<PlanView> {
    const brandId = this.brandWriter(ctx);
    const parsed = parseInput(updatePlanSchema, patch);
    const em = this.brandEm(brandId);
    const plan = await this.findBrandPlan(em, planId);
    const brand = await this.brandEm(brandId).findOneOrFail(Brand, { id: brandId });
    this.applyPatch(plan, parsed, brand.currency);
    await em.flush();
    return planView(plan);
  }

  /** Withdraws a plan from sale; its subscribers keep it. */
  async deactivate(ctx: TenantContext, planId: string): Promise<PlanView> {
    return this.update(ctx, planId, { active: false });
  }

  // ---------------------------------------------------------------------------------------------------

  /** Seeds every default in one transaction, so that a reader sees all of them or none. */
  private async seedDefaults(): Promise<void> {
    try {
      await this.instanceEm().transactional(async (tx) => {
        for (const definition of DEFAULT_PLANS) tx.create(Plan, { id: defaultPlanId(definition.code), brand: null, ...fieldsOf(definition) });
      });
    } catch (error) {
      // Another process seeded them first (the same ids).
      if (!isUniqueViolation(error)) throw error;
    }
  }

  /** Lays a validated change over a plan; `brandCurrency` null for an instance default (any currency). */
  private applyPatch(plan: Plan, patch: ReturnType<typeof updatePlanSchema.parse>, brandCurrency: string | null): void {
    if (patch.code !== undefined && patch.code !== plan.code) throw planCodeImmutable(plan.code);
    if (brandCurrency !== null && patch.currency !== undefined && patch.currency !== brandCurrency) {
      throw currencyMismatch('currency', patch.currency, brandCurrency);
    }
    const next: PlanDefinition = { ...fieldsOf(planView(plan)), ...stripUndefined(patch) } as PlanDefinition;
    checkPlan(next);
    Object.assign(plan, fieldsOf(next));
    if (patch.active !== undefined) plan.active = patch.active;
  }

  private async findBrandPlan(em: EntityManager, planId: string): Promise<Plan> {
    const plan = await em.findOne(Plan, { id: uuidOrNil(planId) });
    if (!plan) throw planNotFound(planId);
    return plan;
  }

  /** Plans are the brand's: a client's scope reads them but never writes them. */
  private brandWriter(ctx: TenantContext): string {
    if (ctx.clientId !== null) throw brandScopeRequired();
    return ctx.brandId;
  }

  private brandEm(brandId: string): EntityManager {
    return this.db.forTenant({ brandId, clientId: null, locale: 'en' });
  }

  private instanceEm(): EntityManager {
    return this.db.forInstance("billing: the operator's default plans");
  }
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
