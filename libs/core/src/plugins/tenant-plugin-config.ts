import type { TenantContext } from '@tero/sdk';

/**
 * Where a tenant's settings for a plugin come from (credentials entered in the portal, decrypted).
 * `null` when the tenant has none: the plugin then runs on its instance settings alone.
 */
export interface TenantPluginConfigSource {
  get(ctx: TenantContext, pluginId: string): Promise<Record<string, unknown> | null>;
}

/**
 * A source held in memory, for tests. As in the database-backed one, a client's settings are laid
 * over its brand's, key by key.
 */
export class InMemoryTenantPluginConfigSource implements TenantPluginConfigSource {
  private readonly settings = new Map<string, Record<string, unknown>>();

  private static key(brandId: string, clientId: string | null, pluginId: string): string {
    return JSON.stringify([brandId, clientId, pluginId]);
  }

  /** Sets (or, with `null`, removes) the settings of a brand (`clientId: null`) or of a client. */
  set(
    tenant: { brandId: string; clientId?: string | null },
    pluginId: string,
    settings: Record<string, unknown> | null,
  ): void {
    const key = InMemoryTenantPluginConfigSource.key(tenant.brandId, tenant.clientId ?? null, pluginId);
    if (settings) this.settings.set(key, settings);
    else this.settings.delete(key);
  }

  async get(ctx: TenantContext, pluginId: string): Promise<Record<string, unknown> | null> {
    const { key } = InMemoryTenantPluginConfigSource;
    const brand = this.settings.get(key(ctx.brandId, null, pluginId));
    const client = ctx.clientId !== null ? this.settings.get(key(ctx.brandId, ctx.clientId, pluginId)) : undefined;
    return brand || client ? { ...brand, ...client } : null;
  }
}
