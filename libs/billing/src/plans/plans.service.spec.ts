import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { Plan } from '@tero/db';
import { TeroError } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { seedBrand, seedClient } from '../subscriptions/testing/billing-fixtures';
import { DEFAULT_PLANS, defaultPlanId } from './default-plans';
import { PlansService } from './plans.service';

async function caught(run: () => Promise<unknown>): Promise<TeroError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TeroError) return error;
    throw error;
  }
  throw new Error('expected the call to throw, it resolved');
}

const growth = { code: 'growth-plus', name: 'Growth Plus', monthlyMinor: 59_900, includedMinutes: 2000, overageMinorPerMinute: 30 };

describe('PlansService on sqlite', () => {
  let t: TestDatabase;
  let plans: PlansService;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    plans = new PlansService(t.db);
  });
  afterAll(() => t.drop());

  describe("the instance's defaults", () => {
    it('are seeded from the roadmap: Starter, Growth, Pro, a year at ten months, a 14-day trial', async () => {
      const defaults = await plans.listDefaults();
      expect(defaults.map((p) => [p.code, p.monthlyMinor, p.annualMinor, p.includedMinutes, p.overageMinorPerMinute, p.overQuota, p.trialDays])).toEqual([
        ['starter', 29_900, 299_000, 500, 45, 'forward', 14],
        ['growth', 49_900, 499_000, 1500, 35, 'overage', 14],
        ['pro', 79_900, 799_000, 4000, 25, 'overage', 14],
      ]);
      expect(defaults.find((p) => p.code === 'pro')!.features).toEqual(['call_recording', 'reports', 'crm_sync', 'llm_engine', 'api_access', 'priority_support']);
      expect(defaults.every((p) => p.brandId === null && p.currency === 'USD' && p.active)).toBe(true);
    });

    it('are seeded once, even by several processes at the same time (fixed ids)', async () => {
      const again = new PlansService(t.db);
      await Promise.all([again.listDefaults(), plans.listDefaults(), new PlansService(t.db).listDefaults()]);
      const rows = await t.db.forInstance('test').find(Plan, { brand: null });
      expect(rows).toHaveLength(DEFAULT_PLANS.length);
      expect(rows.map((r) => r.id).sort()).toEqual(DEFAULT_PLANS.map((p) => defaultPlanId(p.code)).sort());
    });

    it('the operator edits a default, and a brand created afterwards copies the edited one', async () => {
      const starter = (await plans.listDefaults()).find((p) => p.code === 'starter')!;
      await plans.updateDefault(starter.id, { monthlyMinor: 31_900, annualMinor: 319_000 });
      const { brandCtx } = await seedBrand(t.db);
      const copied = await plans.list(brandCtx);
      expect(copied.find((p) => p.code === 'starter')).toMatchObject({ monthlyMinor: 31_900, annualMinor: 319_000, brandId: brandCtx.brandId });
      await plans.updateDefault(starter.id, { monthlyMinor: 29_900, annualMinor: 299_000 });
    });

    it('refuses a default plan with a taken code, and changes of code', async () => {
      expect((await caught(() => plans.createDefault({ ...growth, code: 'pro' }))).code).toBe('billing.plan_code_taken');
      const pro = (await plans.listDefaults()).find((p) => p.code === 'pro')!;
      expect((await caught(() => plans.updateDefault(pro.id, { code: 'pro-max' }))).code).toBe('billing.plan_code_immutable');
    });
  });

  describe("a brand's plans", () => {
    it("are the defaults copied in the brand's currency, once, however many ask at the same time", async () => {
      const { brand, brandCtx } = await seedBrand(t.db, { currency: 'EUR' });
      const lists = await Promise.all([plans.ensureBrandPlans(brand), plans.ensureBrandPlans(brand.id), plans.list(brandCtx)]);
      for (const list of lists) expect(list.map((p) => p.code)).toEqual(['starter', 'growth', 'pro']);
      expect(lists[0]!.every((p) => p.currency === 'EUR' && p.brandId === brand.id)).toBe(true);
      expect(await t.db.forTenant(brandCtx).count(Plan, {})).toBe(3);
    });

    it('a client reads its brand plans but cannot write them', async () => {
      const { brand } = await seedBrand(t.db);
      const { ctx } = await seedClient(t.db, brand);
      expect((await plans.list(ctx)).map((p) => p.code)).toEqual(['starter', 'growth', 'pro']);
      expect((await caught(() => plans.create(ctx, growth))).code).toBe('billing.brand_scope_required');
    });

    it('a brand admin creates a plan (annual defaulting to ten months) and it is listed in order', async () => {
      const { brandCtx } = await seedBrand(t.db);
      const created = await plans.create(brandCtx, { ...growth, features: ['reports', 'crm_sync'], sortOrder: 25 });
      expect(created).toMatchObject({ code: 'growth-plus', currency: 'USD', annualMinor: 599_000, overQuota: 'overage', trialDays: 0, active: true });
      expect((await plans.list(brandCtx)).map((p) => p.code)).toEqual(['starter', 'growth', 'growth-plus', 'pro']);
      expect(await plans.get(brandCtx, created.id)).toEqual(created);
    });

    it('updates a plan and withdraws it from sale; it stays readable for its subscribers', async () => {
      const { brandCtx } = await seedBrand(t.db);
      const pro = (await plans.list(brandCtx)).find((p) => p.code === 'pro')!;
      const updated = await plans.update(brandCtx, pro.id, { monthlyMinor: 89_900, annualMinor: 899_000, features: ['llm_engine'] });
      expect(updated).toMatchObject({ monthlyMinor: 89_900, annualMinor: 899_000, features: ['llm_engine'] });
      await plans.deactivate(brandCtx, pro.id);
      expect((await plans.list(brandCtx)).map((p) => p.code)).toEqual(['starter', 'growth']);
      expect((await plans.list(brandCtx, { includeInactive: true })).map((p) => p.code)).toEqual(['starter', 'growth', 'pro']);
      expect((await plans.get(brandCtx, pro.id)).active).toBe(false);
      // The instance's default is untouched.
      expect((await plans.listDefaults()).find((p) => p.code === 'pro')!.monthlyMinor).toBe(79_900);
    });

    it("a plan id of another brand (or no plan at all) is not found, and cannot be changed", async () => {
      const a = await seedBrand(t.db);
      const b = await seedBrand(t.db);
      const planOfA = (await plans.list(a.brandCtx))[0]!;
      for (const id of [planOfA.id, '0190f3a0-0000-7000-8000-00000000abcd', 'not-a-uuid']) {
        const error = await caught(() => plans.get(b.brandCtx, id));
        expect(error.code).toBe('billing.plan_not_found');
        expect(error.options.status).toBe(404);
      }
      expect((await caught(() => plans.update(b.brandCtx, planOfA.id, { monthlyMinor: 1 }))).code).toBe('billing.plan_not_found');
      expect((await plans.get(a.brandCtx, planOfA.id)).monthlyMinor).toBe(planOfA.monthlyMinor);
    });

    it('refuses a currency other than the brand\'s, naming the field', async () => {
      const { brandCtx } = await seedBrand(t.db, { currency: 'EUR' });
      const error = await caught(() => plans.create(brandCtx, { ...growth, currency: 'USD' }));
      expect(error.code).toBe('billing.currency_mismatch');
      expect(error.params).toMatchObject({ field: 'currency', currency: 'USD', brandCurrency: 'EUR' });
      const starter = (await plans.list(brandCtx))[0]!;
      expect((await caught(() => plans.update(brandCtx, starter.id, { currency: 'GBP' }))).code).toBe('billing.currency_mismatch');
      expect((await plans.create(brandCtx, { ...growth, currency: 'EUR' })).currency).toBe('EUR');
    });

    it('refuses a code the brand already uses, or one that is not kebab-case', async () => {
      const { brandCtx } = await seedBrand(t.db);
      expect((await caught(() => plans.create(brandCtx, { ...growth, code: 'growth' }))).code).toBe('billing.plan_code_taken');
      for (const code of ['Growth', 'growth_plus', '-growth', 'growth--plus', 'g']) {
        const error = await caught(() => plans.create(brandCtx, { ...growth, code }));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['code']);
      }
    });

    it.each([
      [{ monthlyMinor: -100 }, 'monthlyMinor', 'must be at least 1'],
      [{ monthlyMinor: 0 }, 'monthlyMinor', 'must be at least 1'],
      [{ monthlyMinor: 19.99 }, 'monthlyMinor', 'must be a whole number of minor units (cents)'],
      [{ monthlyMinor: 10_000_001 }, 'monthlyMinor', 'must be at most 10000000'],
      [{ monthlyMinor: '499' }, 'monthlyMinor', 'must be a number of minor units (cents)'],
      [{ annualMinor: 200_000_000 }, 'annualMinor', 'must be at most 120000000'],
      [{ annualMinor: 59_900 * 12 + 1 }, 'annualMinor', 'must be at most twelve months (718800)'],
      [{ overageMinorPerMinute: -1 }, 'overageMinorPerMinute', 'must not be negative'],
      [{ overageMinorPerMinute: 1_000_000 }, 'overageMinorPerMinute', 'must be at most 10000'],
      [{ includedMinutes: -5 }, 'includedMinutes', 'must not be negative'],
      [{ features: ['call_recordings'] }, 'features.0', expect.stringContaining('must be one of call_recording')],
      [{ trialDays: 365 }, 'trialDays', expect.any(String)],
      [{ overQuota: 'drop' }, 'overQuota', expect.any(String)],
    ])('refuses %j, naming %s', async (change, field, reason) => {
      const { brandCtx } = await seedBrand(t.db);
      const error = await caught(() => plans.create(brandCtx, { ...growth, ...change } as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([{ field, reason }]);
      expect((await plans.list(brandCtx, { includeInactive: true })).map((p) => p.code)).toEqual(['starter', 'growth', 'pro']);
    });

    it('refuses an absurd change to a stored plan, and leaves it as it was', async () => {
      const { brandCtx } = await seedBrand(t.db);
      const starter = (await plans.list(brandCtx))[0]!;
      // Lowering the month below a tenth of the stored year makes the year dearer than twelve months.
      expect(await caught(() => plans.update(brandCtx, starter.id, { monthlyMinor: 100 }))).toBeInstanceOf(ValidationError);
      expect(await caught(() => plans.update(brandCtx, starter.id, { unknown: 1 } as never))).toBeInstanceOf(ValidationError);
      expect(await plans.get(brandCtx, starter.id)).toEqual(starter);
    });
  });
});

describe.each(['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const)('concurrent plan copies on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: true });
  });
  afterAll(() => t.drop());

  it('ten services copying the defaults into one brand at once leave one set of plans', async () => {
    const { brand, brandCtx } = await seedBrand(t.db);
    const results = await Promise.all(Array.from({ length: 10 }, () => new PlansService(t.db).ensureBrandPlans(brand.id)));
    for (const result of results) expect(result.map((p) => p.code)).toEqual(['starter', 'growth', 'pro']);
    expect(await t.db.forTenant(brandCtx).count(Plan, {})).toBe(3);
    expect(await t.db.forInstance('test').count(Plan, { brand: null })).toBe(3);
  });
});
