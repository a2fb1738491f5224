export { discoverPlugins, readCoreVersion } from './plugin-discovery';
export { defaultEntryFile, loadPlugins, type LoadPluginsOptions } from './plugin-loader';
export { envKeyFor } from './plugin-config';
export { PluginLoadError } from './plugin-load.error';
export { pluginModules } from './plugin-modules';
export { PluginRegistry, type PluginRegistryOptions } from './plugin-registry';
export { installSdkResolution } from './sdk-resolution';
export { InMemoryTenantPluginConfigSource, type TenantPluginConfigSource } from './tenant-plugin-config';
export type {
  DiscoveredPlugin,
  LoadedPlugin,
  LoadedPlugins,
  PluginReport,
  PluginReportEntry,
  PluginSource,
  RejectedPlugin,
} from './plugin.types';
