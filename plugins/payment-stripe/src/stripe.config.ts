import { PluginConfigError } from '@tero/sdk';

export const PLUGIN_ID = 'payment-stripe';

/**
 * The plugin's effective configuration: instance settings (`PAYMENT_STRIPE_<KEY>`) with the brand's laid
 * over them. Only `secretKey` and `webhookSecret` may come from a brand: the API endpoint is the
 * instance's, so that a tenant cannot make the server send a key to a host of its choosing.
 */
export interface StripePaymentConfig {
  /** `sk_…` or `rk_…`. Needed by every call but `parseWebhook`. */
  secretKey?: string;
  /** `whsec_…`: the signing secret of the brand's webhook endpoint. Needed by `parseWebhook`. */
  webhookSecret?: string;
  /** A local Stripe-compatible server (tests, stripe-mock); `api.stripe.com` when unset. */
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: 'http' | 'https';
  /** Upper bound of one API request. */
  timeoutMs?: number;
  /** Network, 409 and 5xx retries, with backoff; every POST carries an idempotency key. */
  maxNetworkRetries?: number;
}

/** What the Stripe client is built with, checked once per provider. */
export interface StripeClientSettings {
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  timeoutMs: number;
  maxNetworkRetries: number;
}

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_NETWORK_RETRIES = 2;

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
const WEBHOOK_SECRET = /^whsec_\S+$/;

/**
 * Checks the endpoint settings. The manifest's schema is checked at boot and on save, but a provider
 * may also be built from code (tests, the CLI), so the same mistakes are refused here, naming the key.
 */
export function resolveStripeClientSettings(config: StripePaymentConfig): StripeClientSettings {
  if (config.apiHost !== undefined && !/^[A-Za-z0-9.-]+$/.test(config.apiHost)) {
    throw new PluginConfigError(PLUGIN_ID, 'apiHost', 'must be a host name such as api.stripe.com or 127.0.0.1 (no scheme, no port)');
  }
  if (config.apiPort !== undefined && !(Number.isInteger(config.apiPort) && config.apiPort >= 1 && config.apiPort <= 65535)) {
    throw new PluginConfigError(PLUGIN_ID, 'apiPort', 'must be an integer port between 1 and 65535');
  }
  if (config.apiProtocol !== undefined && config.apiProtocol !== 'http' && config.apiProtocol !== 'https') {
    throw new PluginConfigError(PLUGIN_ID, 'apiProtocol', 'must be https or http');
  }
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new PluginConfigError(PLUGIN_ID, 'timeoutMs', 'must be a positive integer');
  const maxNetworkRetries = config.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES;
  if (!Number.isInteger(maxNetworkRetries) || maxNetworkRetries < 0) {
    throw new PluginConfigError(PLUGIN_ID, 'maxNetworkRetries', 'must be a non-negative integer');
  }
  return { host: config.apiHost, port: config.apiPort, protocol: config.apiProtocol, timeoutMs, maxNetworkRetries };
}

/** The secret key, or the error that says which setting the brand is missing. */
export function requireSecretKey(config: StripePaymentConfig): string {
  const key = config.secretKey?.trim();
  if (!key) {
    throw new PluginConfigError(PLUGIN_ID, 'secretKey', "is required: set the brand's Stripe secret key (sk_…) or restricted key (rk_…)");
  }
  if (!SECRET_KEY.test(key)) throw new PluginConfigError(PLUGIN_ID, 'secretKey', 'must be a Stripe secret key (sk_…) or restricted key (rk_…)');
  return key;
}

/** The webhook signing secret, or the error that says which setting the brand is missing. */
export function requireWebhookSecret(config: StripePaymentConfig): string {
  const secret = config.webhookSecret?.trim();
  if (!secret) {
    throw new PluginConfigError(PLUGIN_ID, 'webhookSecret', "is required to verify webhooks: set the signing secret (whsec_…) of the brand's endpoint");
  }
  if (!WEBHOOK_SECRET.test(secret)) throw new PluginConfigError(PLUGIN_ID, 'webhookSecret', 'must be a Stripe webhook signing secret (whsec_…)');
  return secret;
}
