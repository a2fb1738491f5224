import { BILLING_INTERVALS } from '@tero/db';
import { z } from 'zod';

const id = z.string().min(1).max(64);
/** Where a vendor sends the customer back: our own pages, over http(s). */
const returnUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const provider = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a payment plugin id such as payment-stripe');

export const startCheckoutSchema = z
  .object({
    clientId: id,
    planId: id,
    interval: z.enum(BILLING_INTERVALS).default('month'),
    /** A payment plugin id; the brand's default provider (or its only one) when absent. */
    provider: provider.optional(),
    successUrl: returnUrl,
    cancelUrl: returnUrl,
  })
  .strict();
export type StartCheckoutInput = z.input<typeof startCheckoutSchema>;

export const changePlanSchema = z
  .object({ clientId: id, planId: id, interval: z.enum(BILLING_INTERVALS).optional() })
  .strict();
export type ChangePlanInput = z.input<typeof changePlanSchema>;

export const cancelSchema = z.object({ clientId: id, atPeriodEnd: z.boolean().default(true) }).strict();
export type CancelSubscriptionInput = z.input<typeof cancelSchema>;

export const switchProviderSchema = z.object({ clientId: id, provider, successUrl: returnUrl, cancelUrl: returnUrl }).strict();
export type SwitchProviderInput = z.input<typeof switchProviderSchema>;

export const portalSchema = z.object({ clientId: id, returnUrl }).strict();
export type PortalInput = z.input<typeof portalSchema>;
