import type { Keyring, TenantPluginConfigSource } from '@tero/core';
import { INSTANCE_CONTEXT_BRAND, type TenantContext } from '@tero/sdk';
import { Database } from './database';
import { Brand, Client, PluginSetting } from './entities';

/** Binds a ciphertext to its row: copied to another tenant's row, it no longer decrypts. */
export function pluginSettingAad(brandId: string, clientId: string | null, pluginId: string): string {
  return `plugin-setting:${brandId}:${clientId ?? '-'}:${pluginId}`;
}

/**
 * Tenant settings of plugins (vendor credentials), encrypted at rest. A client's settings are laid over
 * its brand's. Read on every registry look-up, so a key rotated in the portal is used by the next call.
 */
export class PluginSettingsStore implements TenantPluginConfigSource {
  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
  ) {}

  async get(ctx: TenantContext, pluginId: string): Promise<Record<string, unknown> | null> {
    if (ctx.brandId === INSTANCE_CONTEXT_BRAND) return null;
    const em = this.db.forTenant({ ...ctx, clientId: null });
    const rows = [
      await em.findOne(PluginSetting, { pluginId, client: null }),
      ctx.clientId ? await em.findOne(PluginSetting, { pluginId, client: ctx.clientId }) : null,
    ].filter((row): row is PluginSetting => row !== null);
    if (!rows.length) return null;
    return Object.assign(
      {},
      ...rows.map((row) =>
        this.keyring.decryptJson<Record<string, unknown>>(row.encryptedConfig, pluginSettingAad(ctx.brandId, row.client?.id ?? null, pluginId)),
      ),
    );
  }

  /** Saves (replaces) a brand's settings (`ctx.clientId` null) or a client's, for one plugin. */
  async set(ctx: TenantContext, pluginId: string, settings: Record<string, unknown>): Promise<void> {
    const em = this.db.forTenant(ctx);
    const encryptedConfig = this.keyring.encryptJson(settings, pluginSettingAad(ctx.brandId, ctx.clientId, pluginId));
    const existing = await em.findOne(PluginSetting, { pluginId, client: ctx.clientId ?? null });
    if (existing) existing.encryptedConfig = encryptedConfig;
    else
      em.create(PluginSetting, {
        brand: em.getReference(Brand, ctx.brandId),
        client: ctx.clientId ? em.getReference(Client, ctx.clientId) : null,
        pluginId,
        encryptedConfig,
      });
    await em.flush();
  }
}
