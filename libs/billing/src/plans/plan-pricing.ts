import type { BillingInterval } from '@tero/db';
import { paymentPriceKey, type PaymentPrice } from '@tero/sdk';
import { taxOf, type BrandBillingSettings } from '../settings/brand-billing-settings';

/** What pricing needs of a plan (a `Plan` row or a `PlanView`). */
export interface PricedPlan {
  id: string;
  code: string;
  name: string;
  currency: string;
  monthlyMinor: number;
  annualMinor: number;
}

/** A plan's price for one interval, before and after the brand's tax. */
export interface PlanAmounts {
  netMinor: number;
  taxMinor: number;
  grossMinor: number;
}

export function planAmounts(plan: PricedPlan, interval: BillingInterval, settings: Pick<BrandBillingSettings, 'taxRateBps'>): PlanAmounts {
  const netMinor = interval === 'year' ? plan.annualMinor : plan.monthlyMinor;
  const taxMinor = taxOf(netMinor, settings.taxRateBps);
  return { netMinor, taxMinor, grossMinor: netMinor + taxMinor };
}

const INTERVAL_LABEL: Record<BillingInterval, string> = { month: 'monthly', year: 'yearly' };

/**
 * The price the payment vendor charges for a plan and interval: the plan's amount with the brand's tax
 * added (the vendor collects the total; our invoice splits it). A changed amount or tax rate is a new
 * `priceKey`, hence a new vendor price; subscriptions already running keep theirs.
 */
export function priceFor(plan: PricedPlan, interval: BillingInterval, settings: Pick<BrandBillingSettings, 'taxRateBps'>): PaymentPrice {
  const { grossMinor } = planAmounts(plan, interval, settings);
  return pricedAt(plan, interval, grossMinor);
}

/** The price of a plan at an amount already agreed (a subscription moving to another provider keeps its amount). */
export function pricedAt(plan: Pick<PricedPlan, 'id' | 'code' | 'name' | 'currency'>, interval: BillingInterval, amountMinor: number): PaymentPrice {
  const base = { planId: plan.id, interval, amountMinor, currency: plan.currency.toUpperCase() };
  return { ...base, planCode: plan.code, name: `${plan.name} (${INTERVAL_LABEL[interval]})`, priceKey: paymentPriceKey(base) };
}
