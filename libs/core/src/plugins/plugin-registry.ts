import { createHash } from 'node:crypto';
import { TeroError, type PortToken, type TenantContext } from '@tero/sdk';
import { mergeTenantConfig } from './plugin-config';
import type { LoadedPlugin, LoadedPlugins, PluginReport } from './plugin.types';
import type { TenantPluginConfigSource } from './tenant-plugin-config';

/** JSON with object keys sorted, so that equal configurations give equal cache keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface PluginRegistryOptions {
  /** Provider instances kept; the least recently used is dropped beyond this. */
  cacheSize?: number;
}

/**
 * Resolves a port's provider by plugin id for a tenant: `registry.get(EMAIL, ctx, 'email-smtp')`.
 * The provider is built from the instance settings with the tenant's laid over them, and cached per
 * effective configuration: a hot path reuses one instance, a rotated tenant key gets a new one at once.
 */
export class PluginRegistry {
  private readonly plugins: Map<string, LoadedPlugin>;
  private readonly instances = new Map<string, unknown>();
  private readonly cacheSize: number;

  constructor(
    private readonly loaded: LoadedPlugins,
    private readonly tenantConfig: TenantPluginConfigSource,
    options: PluginRegistryOptions = {},
  ) {
    this.plugins = new Map(loaded.plugins.map((plugin) => [plugin.manifest.id, plugin]));
    this.cacheSize = options.cacheSize ?? 500;
  }

  async get<T>(port: PortToken<T>, ctx: TenantContext, pluginId: string): Promise<T> {
    const plugin = this.plugins.get(pluginId);
    if (!plugin) {
      throw new TeroError('plugin.not_enabled', `plugin "${pluginId}" is not enabled on this instance`, { pluginId }, {
        status: 400,
      });
    }
    const provision = plugin.definition.provides.find((candidate) => candidate.port.id === port.id);
    if (!provision || provision.port.version !== port.version) {
      const detail = provision ? ` version ${port.version} (it implements version ${provision.port.version})` : '';
      throw new TeroError(
        'plugin.port_missing',
        `plugin "${pluginId}" does not provide port "${port.id}"${detail}`,
        { pluginId, port: port.id },
        { status: 400 },
      );
    }

    const settings = await this.tenantConfig.get(ctx, pluginId);
    // A plugin without a tenant schema has nothing a tenant may set; stray settings are not used.
    const config =
      settings && plugin.tenantValidator
        ? mergeTenantConfig(pluginId, plugin.tenantValidator, plugin.instanceConfig, settings)
        : plugin.instanceConfig;

    // Hashed so the cache holds no readable credentials in its keys.
    const key = createHash('sha256').update(`${pluginId}\n${port.id}\n${canonicalJson(config)}`).digest('base64url');
    if (this.instances.has(key)) {
      const instance = this.instances.get(key);
      this.instances.delete(key); // re-insert: Map order is the recency order
      this.instances.set(key, instance);
      return instance as T;
    }
    const instance = provision.create({ config: structuredClone(config), logger: plugin.logger }) as T;
    this.instances.set(key, instance);
    if (this.instances.size > this.cacheSize) this.instances.delete(this.instances.keys().next().value!);
    return instance;
  }

  /** Ids of the enabled plugins that provide `port`, in the order they were enabled. */
  list(port: PortToken<unknown>): string[] {
    return this.loaded.plugins
      .filter((plugin) => plugin.definition.provides.some((provision) => provision.port.id === port.id))
      .map((plugin) => plugin.manifest.id);
  }

  report(): PluginReport {
    return this.loaded.report;
  }
}
