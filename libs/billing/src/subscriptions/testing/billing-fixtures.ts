import { Brand, Client, type Database, User } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/** Test support: brands and clients for billing specs (plain rows, as the accounts service would make them). */

let sequence = 0;

export interface SeededBrand {
  brand: Brand;
  /** The brand's own scope (no client): plans, its admin's view. */
  brandCtx: TenantContext;
}

export async function seedBrand(
  db: Database,
  options: { currency?: string; billingSettings?: Record<string, unknown> | null; slug?: string } = {},
): Promise<SeededBrand> {
  const em = db.forInstance('billing test seed');
  const n = ++sequence;
  const brand = em.create(Brand, {
    name: `Voice Brand ${n}`,
    slug: options.slug ?? `billing-brand-${process.pid}-${n}`,
    supportEmail: `support@brand${n}.test`,
    senderEmail: `billing@brand${n}.test`,
    currency: options.currency ?? 'USD',
    billingSettings: options.billingSettings ?? null,
  });
  await em.flush();
  return { brand, brandCtx: { brandId: brand.id, clientId: null, locale: 'en' } };
}

export interface SeededClient {
  client: Client;
  owner: User;
  /** The client's scope, as its owner signed in. */
  ctx: TenantContext;
}

/** A client of the brand with an owner (whose e-mail the payment vendor gets). */
export async function seedClient(db: Database, brand: Brand, options: { status?: Client['status']; locale?: string } = {}): Promise<SeededClient> {
  const em = db.forInstance('billing test seed');
  const n = ++sequence;
  const client = em.create(Client, {
    brand: em.getReference(Brand, brand.id),
    name: `Bright Smile ${n}`,
    slug: `bright-${n}`,
    professionPack: 'dentist',
    status: options.status ?? 'onboarding',
    locale: options.locale ?? 'en',
  });
  const owner = em.create(User, { brand: em.getReference(Brand, brand.id), client, email: `owner${n}@bright.test`, name: `Owner ${n}`, role: 'client_owner' });
  await em.flush();
  return { client, owner, ctx: { brandId: brand.id, clientId: client.id, userId: owner.id, locale: client.locale } };
}
