import type { LoadedPlugins, PluginRegistry, TenantPluginConfigSource } from '@tero/core';
import { PAYMENT, TeroError, type PaymentProvider, type TenantContext } from '@tero/sdk';
import { providerUnavailable } from '../billing-errors';

/** One payment plugin as a brand's billing pages offer it. */
export interface PaymentProviderOption {
  /** Plugin id, stored on subscriptions: `payment-stripe`. */
  pluginId: string;
  displayName: string;
  /** The brand entered its settings for it, or the instance supplies default credentials. */
  configured: boolean;
  /** The brand's `defaultProvider` billing setting names it. */
  isDefault: boolean;
}

export interface PaymentProvidersDeps {
  registry: PluginRegistry;
  /** What the loader enabled: manifests (display names, schemas) and instance settings. */
  plugins: LoadedPlugins;
  /** The brands' stored plugin settings (`PluginSettingsStore`). */
  settings: TenantPluginConfigSource;
}

/** Keys a tenant schema marks `writeOnly`: its credentials. */
function credentialKeys(schema: Record<string, unknown> | undefined): string[] {
  const properties = (schema?.properties ?? {}) as Record<string, { writeOnly?: unknown }>;
  return Object.entries(properties)
    .filter(([, property]) => property && property.writeOnly === true)
    .map(([key]) => key);
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/**
 * A brand's payment providers: the enabled plugins of the `payment` port, each resolved through the
 * plugin registry with the brand's own credentials (stored encrypted, read on every look-up, so a key
 * rotated in the brand's settings is used at once). Always resolved at the brand's level, never a
 * client's: a brand collects from its clients with its own accounts, and a client's plugin settings
 * must not redirect its payments.
 */
export class PaymentProviders {
  constructor(private readonly deps: PaymentProvidersDeps) {}

  /** Enabled payment plugins, in the order the instance enabled them, and whether the brand can use each. */
  async list(ctx: TenantContext, options: { defaultProvider?: string | null } = {}): Promise<PaymentProviderOption[]> {
    const brandCtx = this.brandCtx(ctx);
    const result: PaymentProviderOption[] = [];
    for (const pluginId of this.deps.registry.list(PAYMENT)) {
      const plugin = this.deps.plugins.plugins.find((candidate) => candidate.manifest.id === pluginId);
      result.push({
        pluginId,
        displayName: plugin?.manifest.displayName ?? pluginId,
        configured: await this.isConfigured(brandCtx, pluginId),
        isDefault: options.defaultProvider === pluginId,
      });
    }
    return result;
  }

  /** Whether the brand may take payments through `pluginId` (enabled, and configured for it). */
  async isAvailable(ctx: TenantContext, pluginId: string): Promise<boolean> {
    return this.deps.registry.list(PAYMENT).includes(pluginId) && (await this.isConfigured(this.brandCtx(ctx), pluginId));
  }

  /**
   * The brand's provider. `billing.provider_unavailable` (with `status`, 400 by default) when the plugin
   * is not an enabled payment plugin, when the brand has not configured it, or when its stored settings
   * no longer validate.
   */
  async forBrand(ctx: TenantContext, pluginId: string, status = 400): Promise<PaymentProvider> {
    if (!this.deps.registry.list(PAYMENT).includes(pluginId)) throw providerUnavailable(pluginId, 'not enabled on this instance', status);
    const brandCtx = this.brandCtx(ctx);
    if (!(await this.isConfigured(brandCtx, pluginId))) throw providerUnavailable(pluginId, 'the brand has not entered its credentials', status);
    try {
      return await this.deps.registry.get(PAYMENT, brandCtx, pluginId);
    } catch (error) {
      throw asProviderUnavailable(error, pluginId, status);
    }
  }

  /**
   * Configured: the brand stored settings for the plugin (an incomplete set is reported by the plugin,
   * naming the key, on first use), or the instance's settings hold every credential (`writeOnly` key) of
   * the plugin's tenant schema, as defaults for brands that set none.
   */
  private async isConfigured(brandCtx: TenantContext, pluginId: string): Promise<boolean> {
    const plugin = this.deps.plugins.plugins.find((candidate) => candidate.manifest.id === pluginId);
    if (!plugin) return false;
    const stored = await this.deps.settings.get(brandCtx, pluginId);
    if (stored && Object.values(stored).some(present)) return true;
    const keys = credentialKeys(plugin.manifest.tenantConfig);
    return keys.every((key) => present(plugin.instanceConfig[key]));
  }

  private brandCtx(ctx: TenantContext): TenantContext {
    return { brandId: ctx.brandId, clientId: null, locale: ctx.locale, requestId: ctx.requestId };
  }
}

/**
 * A plugin's complaint about its configuration (a missing or malformed key) becomes
 * `billing.provider_unavailable` naming the key; anything else is passed on as it is.
 */
export function asProviderUnavailable(error: unknown, pluginId: string, status = 400): unknown {
  if (error instanceof TeroError && error.code === 'plugin.config_invalid') return providerUnavailable(pluginId, error.message, status);
  return error;
}
