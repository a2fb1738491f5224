import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

/**
 * What happens to calls once a client used its plan's included minutes: `overage` keeps the agent
 * answering and bills the extra minutes at period end; `voicemail` and `forward` (to the owner's phone)
 * stop spending AI minutes until the next period.
 */
export const PLAN_OVER_QUOTA_POLICIES = ['overage', 'voicemail', 'forward'] as const;
export type PlanOverQuotaPolicy = (typeof PLAN_OVER_QUOTA_POLICIES)[number];

/**
 * A subscription plan a brand sells. Amounts are integer minor units in the plan's currency (the brand's).
 * A plan without a brand is one of the instance's defaults, which the operator edits and a new brand copies.
 */
@Entity({ tableName: 'plans' })
@Unique({ properties: ['brand', 'code'] })
@Index({ properties: ['brand', 'sortOrder'] })
export class Plan extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade', nullable: true })
  brand?: Brand | null;

  /** Stable, kebab-case: `starter`. */
  @Property({ type: 'string', length: 40 })
  code!: string;

  @Property({ type: 'string', length: 80 })
  name!: string;

  /** ISO 4217, upper case. */
  @Property({ type: 'string', length: 3 })
  currency: string & Opt = 'USD';

  /** Price of a month, before tax, in minor units. */
  @Property({ type: 'integer' })
  monthlyMinor!: number;

  /** Price of a year, before tax, in minor units (the default is ten months: two months free). */
  @Property({ type: 'integer' })
  annualMinor!: number;

  /** Minutes of calls included in each month of the plan. */
  @Property({ type: 'integer' })
  includedMinutes!: number;

  /** Price of a minute beyond the included ones, in minor units. */
  @Property({ type: 'integer' })
  overageMinorPerMinute!: number;

  @Enum({ items: () => PLAN_OVER_QUOTA_POLICIES, type: 'string', length: 20 })
  overQuota: PlanOverQuotaPolicy & Opt = 'overage';

  /** Feature keys the plan unlocks: `call_recording`, `llm_engine`, `crm_sync`, `reports`, `api_access`. */
  @Property({ type: 'json' })
  features: string[] & Opt = [];

  @Property({ type: 'integer' })
  trialDays: number & Opt = 0;

  /** Inactive plans are kept for their subscribers and invoices but not offered. */
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Property({ type: 'integer' })
  sortOrder: number & Opt = 0;
}
