import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from './password-hasher';

const slug = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be lower-case letters, digits and inner hyphens (a DNS label)');
const domain = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, 'must be a host name such as acme-voice.com');
const locale = z.enum(['en', 'es', 'fr']);
const color = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a #rgb or #rrggbb colour');
const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as America/New_York');

export const createBrandSchema = z.object({
  name: z.string().trim().min(1).max(120),
  slug,
  domains: z.array(domain).max(20).default([]),
  themeId: z.string().regex(/^[a-z0-9-]+$/).default('default'),
  logoUrl: z.url().max(500).optional(),
  themeTokens: z.partialRecord(z.enum(['colorPrimary', 'colorPrimaryText', 'colorAccent', 'colorBackground', 'colorSurface', 'colorText', 'colorMuted']), color).default({}),
  defaultLocale: locale.default('en'),
  supportEmail: z.email(),
  senderEmail: z.email(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
});
export type CreateBrandInput = z.input<typeof createBrandSchema>;

export const updateBrandSchema = createBrandSchema.pick({ name: true, themeId: true, themeTokens: true, logoUrl: true, defaultLocale: true, supportEmail: true, senderEmail: true }).partial().strict();

export const createClientSchema = z.object({
  name: z.string().trim().min(1).max(120),
  slug,
  professionPack: z.string().regex(/^[a-z0-9-]+$/, 'must be a profession pack id'),
  timezone: timezone.default('America/New_York'),
  locale: locale.default('en'),
});
export type CreateClientInput = z.input<typeof createClientSchema>;

export const updateClientSchema = createClientSchema.pick({ name: true, timezone: true, locale: true }).partial().strict();

export const createUserSchema = z.object({
  email: z.email().max(254).transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(120),
  role: z.enum(['operator', 'brand_admin', 'client_owner', 'client_staff']),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(256).optional(),
  locale: locale.optional(),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const loginSchema = z.object({
  email: z.email().max(254).transform((e) => e.toLowerCase()),
  password: z.string().min(1).max(256),
});
export const magicLinkRequestSchema = z.object({ email: z.email().max(254).transform((e) => e.toLowerCase()) });
