import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_BRAND, type PluginDefinition, type PluginLogger } from '@tero/sdk';
import { readInstanceConfig } from './plugin-config';
import { reportOf, scanPlugins } from './plugin-discovery';
import { PluginLoadError } from './plugin-load.error';
import type { DiscoveredPlugin, LoadedPlugin, LoadedPlugins } from './plugin.types';
import { installSdkResolution } from './sdk-resolution';

export interface LoadPluginsOptions {
  /** The project root: holds `package.json`, `plugins/`, `node_modules/` and, compiled, `dist/`. */
  rootDir: string;
  /** Plugin ids to enable (`PLUGINS`). */
  enabled: readonly string[];
  /** Where instance settings are read: `EMAIL_SMTP_URL` for key `url` of plugin `email-smtp`. */
  env: Record<string, string | undefined>;
  /** This core's version, checked against each manifest's `compatibility`. */
  coreVersion: string;
  logger: PluginLogger;
  /** The file to require for a plugin's entry; defaults to {@link defaultEntryFile}. */
  resolveEntry?: (plugin: DiscoveredPlugin, rootDir: string) => string;
}

// Compiled, core runs from dist/ where local plugins' TypeScript has been compiled too; under Jest it
// runs from source and Jest transforms a required .ts file.
const compiled = __filename.endsWith('.js');

/** The entry file of a plugin: `main`, taken from dist/ for a local plugin when core runs compiled. */
export function defaultEntryFile(plugin: DiscoveredPlugin, rootDir: string): string {
  const main = plugin.main ?? (plugin.source === 'local' ? 'src/index.ts' : 'index.js');
  if (plugin.source === 'local' && compiled) {
    const file = join(rootDir, 'dist', plugin.dir, main.replace(/\.ts$/, '.js'));
    if (!existsSync(file)) throw new Error(`compiled entry ${file} does not exist (run npm run build)`);
    return file;
  }
  return join(plugin.absoluteDir, main);
}

/** Prefixes every log line of a plugin with its id. */
function pluginLogger(logger: PluginLogger, plugin: string): PluginLogger {
  const wrap =
    (level: keyof PluginLogger) =>
    (obj: object | string, msg?: string): void =>
      typeof obj === 'string' ? logger[level]({ plugin }, obj) : logger[level]({ plugin, ...obj }, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function isBranded(value: unknown): value is PluginDefinition<any> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}

/** Requires the entry and checks that it is the plugin the manifest describes. */
function requireDefinition(plugin: DiscoveredPlugin, file: string): PluginDefinition<any> {
  const id = plugin.manifest.id;
  let exports: Record<string, unknown>;
  try {
    if (plugin.source === 'package') installSdkResolution();
    exports = require(file) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new PluginLoadError(id, `its entry ${file} threw while loading: ${detail}`, { cause: error });
  }
  const definition = exports.default ?? exports.plugin;
  if (!isBranded(definition)) {
    throw new PluginLoadError(id, `its entry ${file} must export (default or \`plugin\`) the result of definePlugin()`);
  }
  if (definition.id !== id) {
    throw new PluginLoadError(id, `its entry defines plugin "${definition.id}" but the manifest id is "${id}"`);
  }
  if (!Array.isArray(definition.provides)) {
    throw new PluginLoadError(id, 'definePlugin() needs a `provides` array');
  }
  for (const provision of definition.provides) {
    const portId: unknown = provision?.port?.id;
    if (typeof portId !== 'string' || typeof provision.create !== 'function') {
      throw new PluginLoadError(id, 'every entry of `provides` must come from providePort(port, create)');
    }
    if (!plugin.manifest.kinds.includes(portId)) {
      throw new PluginLoadError(
        id,
        `provides port "${portId}" which manifest.kinds (${plugin.manifest.kinds.join(', ')}) does not declare`,
      );
    }
  }
  return definition;
}

/**
 * Finds the plugins, and for each enabled one validates its instance settings from `env`, requires its
 * entry and checks it. Plugins that are found but not enabled are never executed. An enabled plugin
 * that is missing, refused or misconfigured stops the boot: `PluginLoadError` or `PluginConfigError`
 * naming the plugin (and the environment key).
 */
export function loadPlugins(options: LoadPluginsOptions): LoadedPlugins {
  const { rootDir, env, coreVersion, logger } = options;
  const enabled = [...new Set(options.enabled.map((id) => id.trim()).filter(Boolean))];
  const resolveEntry = options.resolveEntry ?? defaultEntryFile;
  const { plugins: found, rejected } = scanPlugins(rootDir, coreVersion);

  for (const id of enabled) {
    const refusal = rejected.find((entry) => entry.id === id);
    if (refusal) throw new PluginLoadError(id, refusal.reason);
    if (!found.some((plugin) => plugin.manifest.id === id)) {
      throw new PluginLoadError(id, 'not found', {
        message: `plugin "${id}" is enabled in PLUGINS but was not found under plugins/ or node_modules`,
      });
    }
  }

  const plugins: LoadedPlugin[] = [];
  for (const id of enabled) {
    const plugin = found.find((candidate) => candidate.manifest.id === id)!;
    // Configuration first: a missing key is reported without running any plugin code.
    const instanceConfig = readInstanceConfig(plugin.manifest, plugin.instanceValidator, env);
    let file: string;
    try {
      file = resolveEntry(plugin, rootDir);
    } catch (error) {
      throw new PluginLoadError(id, (error as Error).message, { cause: error });
    }
    const definition = requireDefinition(plugin, file);
    plugins.push({
      manifest: plugin.manifest,
      version: plugin.version,
      source: plugin.source,
      dir: plugin.dir,
      definition,
      instanceConfig,
      tenantValidator: plugin.tenantValidator,
      logger: pluginLogger(logger, id),
    });
    logger.info({ plugin: id, version: plugin.version, source: plugin.source }, 'plugin loaded');
  }
  for (const refusal of rejected) {
    logger.warn({ plugin: refusal.id, dir: refusal.dir, reason: refusal.reason }, 'plugin refused (not enabled)');
  }

  return { plugins, report: reportOf({ plugins: found, rejected }, enabled) };
}
