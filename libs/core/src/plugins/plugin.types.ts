import type { ValidateFunction } from 'ajv';
import type { PluginDefinition, PluginLogger, PluginManifest } from '@tero/sdk';

/** Where a plugin was found: a folder under `plugins/`, or an installed `tero-plugin-*` package. */
export type PluginSource = 'local' | 'package';

/** One plugin whose manifest is valid and compatible with this core. */
export interface PluginReportEntry {
  id: string;
  version: string;
  source: PluginSource;
  /** Folder, relative to the root directory: `plugins/email-smtp`, `node_modules/@acme/tero-plugin-x`. */
  dir: string;
  kinds: string[];
  displayName: string;
  enabled: boolean;
}

/** A folder that declares a plugin (`tero` field) but cannot be used, and why. */
export interface RejectedPlugin {
  /** The manifest's id when it could be read. */
  id?: string;
  dir: string;
  reason: string;
}

/** What `tero plugins` and the operator's plugins page print. */
export interface PluginReport {
  discovered: PluginReportEntry[];
  rejected: RejectedPlugin[];
}

/** A usable plugin found on disk; nothing of it has been executed. */
export interface DiscoveredPlugin {
  manifest: PluginManifest;
  version: string;
  source: PluginSource;
  /** Relative to the root directory, as in the report. */
  dir: string;
  absoluteDir: string;
  /** `main` of its package.json, if any. */
  main?: string;
  /** Validators compiled from the manifest's schemas (coercing, filling defaults). */
  instanceValidator?: ValidateFunction;
  tenantValidator?: ValidateFunction;
}

/** An enabled plugin: its entry required and checked, its instance configuration validated. */
export interface LoadedPlugin {
  manifest: PluginManifest;
  version: string;
  source: PluginSource;
  dir: string;
  definition: PluginDefinition<any>;
  /** Instance settings from the environment, coerced and with defaults. */
  instanceConfig: Record<string, unknown>;
  tenantValidator?: ValidateFunction;
  logger: PluginLogger;
}

/** The result of {@link loadPlugins}: hand it to `PluginRegistry` and `pluginModules()`. */
export interface LoadedPlugins {
  plugins: LoadedPlugin[];
  report: PluginReport;
}
