import { PluginConfigError } from './errors';

/**
 * Checks of plugin settings that every vendor plugin makes when an engine is built from code (the
 * manifest's schema is checked at boot and on save, but tests and the CLI build providers directly).
 * Each throws `PluginConfigError` naming the plugin and the key.
 */

/** An `http:` or `https:` URL; `example` goes into the message (`https://api.vendor.com`). */
export function httpUrlSetting(pluginId: string, key: string, value: string, example: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // Reported below with the same message as a URL of another scheme.
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new PluginConfigError(pluginId, key, `must be an http(s) URL such as ${example}`);
  }
  return url;
}

/** A positive whole number, or `undefined` when the setting is absent. */
export function positiveIntegerSetting(pluginId: string, key: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw new PluginConfigError(pluginId, key, 'must be a positive integer');
  return value;
}
