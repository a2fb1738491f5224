import type { InvoiceLine } from '@tero/db';
import { ValidationError } from '@tero/accounts';
import { taxOf } from '../settings/brand-billing-settings';

/** The largest amount an invoice line or total may have, in minor units: beyond it the input is a mistake. */
export const MAX_INVOICE_MINOR = 100_000_000_00;

/** An amount charged tax included, split into what it is before tax and the tax on it. */
export interface GrossSplit {
  netMinor: number;
  taxMinor: number;
}

/**
 * Splits an amount the vendor charged (tax included) into net and tax, so that an invoice for the
 * payment totals exactly what was charged. The net is the one whose tax (`taxOf`, rounded half up) makes
 * up the gross exactly; rounding makes a few gross amounts unreachable (at 8.25 %, no net gives 1083 + …
 * for some cents), and then the net is the largest one below and the missing cent goes to the tax.
 */
export function splitGross(grossMinor: number, taxRateBps: number): GrossSplit {
  if (!Number.isSafeInteger(grossMinor)) throw new ValidationError([{ field: 'amountMinor', reason: `${grossMinor} is not a whole number of minor units` }]);
  if (taxRateBps === 0 || grossMinor === 0) return { netMinor: grossMinor, taxMinor: 0 };
  const sign = grossMinor < 0 ? -1 : 1;
  const gross = Math.abs(grossMinor);
  const estimate = Math.floor((gross * 10_000) / (10_000 + taxRateBps));
  let best = -1;
  // net + taxOf(net) grows by 1 or 2 per cent of net: the exact net, when there is one, is next to the estimate.
  for (let net = Math.max(0, estimate - 2); net <= estimate + 2; net++) {
    const total = net + taxOf(net, taxRateBps);
    if (total === gross) {
      best = net;
      break;
    }
    if (total < gross) best = net;
  }
  const net = Math.max(best, 0);
  return { netMinor: sign * net, taxMinor: sign * (gross - net) };
}

/** An invoice's sums from its lines: the subtotal before tax, the tax (or the given one), the total. */
export function invoiceTotals(lines: readonly InvoiceLine[], taxRateBps: number, taxMinor?: number): { subtotalMinor: number; taxMinor: number; totalMinor: number } {
  const subtotalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  const tax = taxMinor ?? taxOf(subtotalMinor, taxRateBps);
  return { subtotalMinor, taxMinor: tax, totalMinor: subtotalMinor + tax };
}

/** `INV-2026-000042`: the brand's prefix, the year of issue and the sequence on six digits (more when it outgrows them). */
export function formatInvoiceNumber(prefix: string, year: number, sequence: number): string {
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}
