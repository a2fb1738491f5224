import { z } from 'zod';
import { TeroError } from '@tero/sdk';

/**
 * How a brand bills its clients. Stored on the brand (`brands.billing_settings`, JSON); absent keys take
 * these defaults, so a brand that never opened its billing settings still invoices and dunns sensibly.
 */
export const brandBillingSettingsSchema = z
  .object({
    /** Tax added to every price, in basis points (825 = 8.25 %). 0: no tax line. */
    taxRateBps: z.number().int().min(0).max(5000).default(0),
    /** Printed on the tax line: `VAT`, `Sales tax`, `IVA`, `TVA`. */
    taxLabel: z.string().trim().min(1).max(40).nullable().default(null),
    /** The brand's tax registration number, printed on invoices. */
    taxNumber: z.string().trim().min(1).max(40).nullable().default(null),
    /** Invoice numbers are `<prefix>-<year>-<sequence, 6 digits>`; the sequence never restarts. */
    invoicePrefix: z.string().regex(/^[A-Z0-9]{1,10}$/, 'upper-case letters and digits, 1 to 10').default('INV'),
    /** The seller on invoices; the brand's name when absent. */
    legalName: z.string().trim().min(1).max(120).nullable().default(null),
    /** Postal address lines printed under the seller's name. */
    address: z.array(z.string().trim().min(1).max(120)).max(5).default([]),
    /** Days after a failed payment on which a reminder is e-mailed (day 0: at once). Ascending, distinct. */
    dunningDays: z
      .array(z.number().int().min(0).max(60))
      .min(1)
      .max(10)
      .refine((days) => days.every((d, i) => i === 0 || d > days[i - 1]!), 'ascending and distinct')
      .default([0, 3, 7]),
    /** Days after the first failure until the client is suspended when still unpaid (after the last reminder). */
    graceDays: z.number().int().min(0).max(90).default(14),
    /** The payment plugin offered first on checkout: `payment-stripe` or `payment-paypal`. */
    defaultProvider: z.string().regex(/^[a-z][a-z0-9-]*$/).nullable().default(null),
  })
  .strict()
  .refine((s) => s.graceDays >= s.dunningDays[s.dunningDays.length - 1]!, {
    message: 'must be at least the last dunning day',
    path: ['graceDays'],
  });

export type BrandBillingSettings = z.output<typeof brandBillingSettingsSchema>;

/**
 * Reads a brand's stored settings with the defaults filled in. A stored value that no longer validates
 * (edited by hand in the database) is an error naming the key, not a silent default.
 */
export function brandBillingSettings(stored: Record<string, unknown> | null | undefined): BrandBillingSettings {
  const parsed = brandBillingSettingsSchema.safeParse(stored ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.join('.') || '(root)';
  throw new TeroError('billing.settings_invalid', `billing setting "${key}": ${issue.message}`, { key, reason: issue.message }, { status: 400 });
}

/** Tax on an amount before tax, rounded half up to the minor unit. */
export function taxOf(netMinor: number, taxRateBps: number): number {
  return Math.floor((netMinor * taxRateBps + 5000) / 10000);
}
