/**
 * The error every provider throws. `code` is stable and machine-readable (`email.rejected`);
 * `messageKey` names a translatable message in the `errors` namespace of the locales, with `params`
 * filled into it; `message` is the English text for logs.
 */
export class TeroError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly params: Record<string, string | number> = {},
    readonly options: { cause?: unknown; retryable?: boolean; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'TeroError';
  }

  /** Whether trying the same call again later may succeed (a vendor timeout, a 5xx). */
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }

  get messageKey(): string {
    return `errors:${this.code}`;
  }
}

/** A plugin's configuration does not satisfy its schema; stops the boot, naming plugin and key. */
export class PluginConfigError extends TeroError {
  constructor(pluginId: string, key: string, reason: string) {
    super('plugin.config_invalid', `plugin "${pluginId}": config key "${key}" ${reason}`, { pluginId, key, reason });
  }
}
