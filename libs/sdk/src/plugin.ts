import type { DynamicModule } from '@nestjs/common';
import type { PortToken } from './port';

/** JSON Schema (draft 2020-12 subset that Ajv understands) describing a plugin's configuration object. */
export type JsonSchema = Record<string, unknown>;

/**
 * The `tero` field of a plugin's `package.json`. It is read before any plugin code runs, so a broken
 * plugin can be named and refused without executing it.
 */
export interface PluginManifest {
  /** Stable id, kebab-case, unique on the instance: `email-smtp`. Used by `registry.get(..., id)`. */
  id: string;
  /** Ports it provides, by port id: `["email"]`. */
  kinds: string[];
  /** Name shown in the admin portal. */
  displayName: string;
  /** Semver range of `@tero/core` versions this plugin works with, checked at boot: `^0.1.0`. */
  compatibility: string;
  /**
   * Instance settings, from the environment. A key `url` of plugin `email-smtp` is read from
   * `EMAIL_SMTP_URL`. Validated at boot; a bad value stops the boot naming plugin and key.
   */
  instanceConfig?: JsonSchema;
  /**
   * Per-brand or per-client settings (credentials), stored encrypted in the database and edited in the
   * portal. Validated on save and before use; overrides instance settings of the same name.
   */
  tenantConfig?: JsonSchema;
}

/** What a port factory receives. */
export interface PortFactoryInput<C> {
  /** Instance config merged with the tenant's, validated against the manifest's schemas. */
  config: C;
  logger: PluginLogger;
}

/** Structured logger handed to plugins (pino-compatible subset). */
export interface PluginLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** One port implementation a plugin contributes. Create with {@link providePort}. */
export interface PortProvision<T = unknown, C = any> {
  port: PortToken<T>;
  /**
   * Builds the provider for one effective configuration. The registry caches the result per
   * configuration, so a tenant's rotated key yields a new instance without a restart.
   */
  create(input: PortFactoryInput<C>): T;
}

/** Pairs a port with its factory, keeping the two types in step. */
export function providePort<T, C = Record<string, unknown>>(
  port: PortToken<T>,
  create: (input: PortFactoryInput<C>) => T,
): PortProvision<T, C> {
  return { port, create };
}

/** What a plugin's entry returns. It contributes; it never mutates shared configuration. */
export interface PluginDefinition<C = Record<string, unknown>> {
  /** Must equal the manifest's id. */
  id: string;
  provides: PortProvision<any, any>[];
  /** Optional NestJS module for the plugin's own routes, built from its validated instance config. */
  module?: (config: C) => DynamicModule;
}

/** Marks a plugin entry. The loader checks the brand before trusting the export. */
export const PLUGIN_BRAND = Symbol.for('tero.plugin');

/** Declares a plugin; the module's default (or `plugin`) export. */
export function definePlugin<C = Record<string, unknown>>(definition: PluginDefinition<C>): PluginDefinition<C> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.id)) {
    throw new Error(`definePlugin: id "${definition.id}" must be kebab-case`);
  }
  return Object.assign(Object.create(null), definition, { [PLUGIN_BRAND]: true }) as PluginDefinition<C>;
}
