import { TeroError } from '@tero/sdk';

/** An enabled plugin cannot be used; stops the boot with a message naming the plugin and the reason. */
export class PluginLoadError extends TeroError {
  constructor(
    readonly pluginId: string,
    readonly reason: string,
    options: { cause?: unknown; message?: string } = {},
  ) {
    super('plugin.load_failed', options.message ?? `plugin "${pluginId}": ${reason}`, { pluginId, reason }, {
      cause: options.cause,
    });
    this.name = 'PluginLoadError';
  }
}
