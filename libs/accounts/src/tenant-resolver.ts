import { Brand, Client, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/** What a request's host names. */
export type HostTenant =
  | { kind: 'instance' }
  | { kind: 'brand'; brand: BrandRef }
  | { kind: 'client'; brand: BrandRef; client: ClientRef };

export interface BrandRef {
  id: string;
  slug: string;
  name: string;
  domains: string[];
  defaultLocale: string;
  themeId: string;
}
export interface ClientRef {
  id: string;
  slug: string;
  name: string;
  locale: string;
  status: string;
}

export function hostOf(rawHost: string | undefined): string {
  return (rawHost ?? '').trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/**
 * Resolves a host name to a tenant:
 * - the instance's BASE_DOMAIN (and 127.0.0.1) → the instance (operator portal, sign-in for everyone);
 * - a brand's own domain, or `<brand-slug>.<BASE_DOMAIN>` → the brand;
 * - `<client-slug>.<brand domain>`, or `<client-slug>.<brand-slug>.<BASE_DOMAIN>` → the client.
 * Brands are few and read on every request, so their domains are cached briefly; clients are looked up
 * by (brand, slug), a unique index, and cached the same way.
 */
export class TenantResolver {
  private brands: { at: number; bySlug: Map<string, BrandRef>; byDomain: Map<string, BrandRef> } | null = null;
  private readonly clients = new Map<string, { at: number; client: ClientRef | null }>();

  constructor(
    private readonly db: Database,
    private readonly baseDomain: string,
    private readonly ttlMs = 5_000,
  ) {}

  /** Forget cached brands and clients (after a change in this process). */
  invalidate(): void {
    this.brands = null;
    this.clients.clear();
  }

  async resolve(rawHost: string | undefined): Promise<HostTenant | null> {
    const host = hostOf(rawHost);
    if (!host) return null;
    if (host === this.baseDomain || host === '127.0.0.1' || host === '[::1]') return { kind: 'instance' };
    const { bySlug, byDomain } = await this.loadBrands();

    const own = byDomain.get(host);
    if (own) return { kind: 'brand', brand: own };

    const dot = host.indexOf('.');
    if (dot > 0) {
      const first = host.slice(0, dot);
      const rest = host.slice(dot + 1);
      const underDomain = byDomain.get(rest);
      if (underDomain) return this.clientOf(underDomain, first);
    }

    const suffix = `.${this.baseDomain}`;
    if (host.endsWith(suffix)) {
      const labels = host.slice(0, -suffix.length).split('.');
      if (labels.length === 1) {
        const brand = bySlug.get(labels[0]);
        return brand ? { kind: 'brand', brand } : null;
      }
      if (labels.length === 2) {
        const brand = bySlug.get(labels[1]);
        return brand ? this.clientOf(brand, labels[0]) : null;
      }
    }
    return null;
  }

  /** The host a user's dashboard lives on (for redirects and e-mailed links). */
  clientHost(brand: { slug: string; domains: string[] }, clientSlug: string): string {
    return brand.domains[0] ? `${clientSlug}.${brand.domains[0]}` : `${clientSlug}.${brand.slug}.${this.baseDomain}`;
  }

  brandHost(brand: { slug: string; domains: string[] }): string {
    return brand.domains[0] ?? `${brand.slug}.${this.baseDomain}`;
  }

  private async clientOf(brand: BrandRef, slug: string): Promise<HostTenant | null> {
    const key = `${brand.id}/${slug}`;
    const cached = this.clients.get(key);
    let client: ClientRef | null;
    if (cached && Date.now() - cached.at < this.ttlMs) {
      client = cached.client;
    } else {
      const ctx: TenantContext = { brandId: brand.id, clientId: null, locale: brand.defaultLocale };
      const row = await this.db.forTenant(ctx).findOne(Client, { slug });
      client = row ? { id: row.id, slug: row.slug, name: row.name, locale: row.locale, status: row.status } : null;
      if (this.clients.size > 10_000) this.clients.clear();
      this.clients.set(key, { at: Date.now(), client });
    }
    return client ? { kind: 'client', brand, client } : null;
  }

  private async loadBrands() {
    if (this.brands && Date.now() - this.brands.at < this.ttlMs) return this.brands;
    const rows = await this.db.forInstance('host resolution reads every brand domain').find(Brand, {});
    const bySlug = new Map<string, BrandRef>();
    const byDomain = new Map<string, BrandRef>();
    for (const row of rows) {
      const ref: BrandRef = { id: row.id, slug: row.slug, name: row.name, domains: row.domains, defaultLocale: row.defaultLocale, themeId: row.themeId };
      bySlug.set(row.slug, ref);
      for (const domain of row.domains) byDomain.set(domain.toLowerCase(), ref);
    }
    this.brands = { at: Date.now(), bySlug, byDomain };
    return this.brands;
  }
}
