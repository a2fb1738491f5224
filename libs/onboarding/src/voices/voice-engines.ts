import type { LoadedPlugins, PluginRegistry, TenantPluginConfigSource } from '@tero/core';
import { ConfigError } from '@tero/core';
import { type TenantContext, VOICE } from '@tero/sdk';

/** Keys a tenant schema marks `writeOnly`: its credentials. */
function credentialKeys(schema: Record<string, unknown> | undefined): string[] {
  const properties = (schema?.properties ?? {}) as Record<string, { writeOnly?: unknown }>;
  return Object.entries(properties)
    .filter(([, property]) => property && property.writeOnly === true)
    .map(([key]) => key);
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

export interface VoiceEnginesDeps {
  registry: PluginRegistry;
  plugins: LoadedPlugins;
  /** Stored plugin settings (`PluginSettingsStore`): a client's, else its brand's. */
  settings: TenantPluginConfigSource;
  /** `VOICE_ENGINE`: the one plugin to use, or null to take the first configured one. */
  preferred: string | null;
}

/**
 * Which voice plugin clones a client's voice. `VOICE_ENGINE` names one (checked at boot: it must be an
 * enabled plugin providing the voice port); otherwise the first enabled voice plugin configured for the
 * client. Configured: the client or its brand stored settings for it, or the instance's settings hold
 * every credential of its tenant schema.
 */
export class VoiceEngines {
  constructor(private readonly deps: VoiceEnginesDeps) {
    if (deps.preferred && !deps.registry.list(VOICE).includes(deps.preferred)) {
      throw new ConfigError([{ key: 'VOICE_ENGINE', reason: `"${deps.preferred}" is not an enabled plugin providing voices (enabled: ${deps.registry.list(VOICE).join(', ') || 'none'}); add it to PLUGINS` }]);
    }
  }

  /** The plugin id to clone with for this client, or null when none is set up. */
  async choose(ctx: TenantContext): Promise<string | null> {
    const candidates = this.deps.preferred ? [this.deps.preferred] : this.deps.registry.list(VOICE);
    for (const pluginId of candidates) if (await this.isConfigured(ctx, pluginId)) return pluginId;
    return null;
  }

  private async isConfigured(ctx: TenantContext, pluginId: string): Promise<boolean> {
    const plugin = this.deps.plugins.plugins.find((candidate) => candidate.manifest.id === pluginId);
    if (!plugin) return false;
    const stored = await this.deps.settings.get(ctx, pluginId);
    if (stored && Object.values(stored).some(present)) return true;
    return credentialKeys(plugin.manifest.tenantConfig).every((key) => present(plugin.instanceConfig[key]));
  }
}
