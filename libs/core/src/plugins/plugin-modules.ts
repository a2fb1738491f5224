import type { DynamicModule } from '@nestjs/common';
import { PluginLoadError } from './plugin-load.error';
import type { LoadedPlugins } from './plugin.types';

/**
 * The NestJS modules enabled plugins add for their own routes, built from their validated instance
 * settings; the server imports them. The only place the plugin system touches Nest.
 */
export function pluginModules(loaded: LoadedPlugins): DynamicModule[] {
  return loaded.plugins.flatMap((plugin) => {
    if (!plugin.definition.module) return [];
    try {
      return [plugin.definition.module(structuredClone(plugin.instanceConfig))];
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new PluginLoadError(plugin.manifest.id, `its module() threw: ${detail}`, { cause: error });
    }
  });
}
