import { PluginConfigError } from '@tero/sdk';

export const PAYPAL_PLUGIN_ID = 'payment-paypal';

/** The plugin's effective configuration: instance settings (`PAYMENT_PAYPAL_<KEY>`) with the brand's laid over them. */
export interface PayPalPaymentConfig {
  /** REST API root: `https://api-m.paypal.com` (default), `https://api-m.sandbox.paypal.com`. */
  apiBaseUrl?: string;
  /** PayPal website for links customers follow; derived from `apiBaseUrl` when unset. */
  webBaseUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** The webhook PayPal signs deliveries for; needed to verify them. */
  webhookId?: string;
  /** `api` (default): PayPal verifies each delivery; `offline`: we check the signature with PayPal's certificate. */
  verification?: 'api' | 'offline';
  timeoutMs?: number;
  /** Failed cycle payments before PayPal suspends the subscription (new plans only). */
  paymentFailureThreshold?: number;
  /** Whether PayPal adds a failed cycle's amount to the next charge (new plans only). */
  autoBillOutstanding?: boolean;
  /** Shown on PayPal's approval page. */
  brandName?: string;
  /** Name of the catalog product that holds the brand's billing plans. */
  productName?: string;
}

export const DEFAULT_PAYPAL_API_BASE_URL = 'https://api-m.paypal.com';
export const PAYPAL_SANDBOX_API_BASE_URL = 'https://api-m.sandbox.paypal.com';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_FAILURE_THRESHOLD = 3;
const DEFAULT_PRODUCT_NAME = 'Subscription';

/** What the provider runs with, checked once. Credentials stay optional here: they are checked at use. */
export interface PayPalSettings {
  /** Without a trailing slash. */
  apiBaseUrl: string;
  webBaseUrl: string;
  clientId?: string;
  clientSecret?: string;
  webhookId?: string;
  verification: 'api' | 'offline';
  timeoutMs: number;
  paymentFailureThreshold: number;
  autoBillOutstanding: boolean;
  brandName?: string;
  productName: string;
}

function origin(key: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PluginConfigError(PAYPAL_PLUGIN_ID, key, 'must be an http(s) URL such as https://api-m.paypal.com');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new PluginConfigError(PAYPAL_PLUGIN_ID, key, 'must be an http(s) origin without a path, such as https://api-m.paypal.com');
  }
  return url.origin;
}

/** The live or sandbox website matching the API host; the live site for any other host (a proxy). */
function defaultWebBaseUrl(apiBaseUrl: string): string {
  return /(^|\.)sandbox\.paypal\.com$/.test(new URL(apiBaseUrl).hostname) ? 'https://www.sandbox.paypal.com' : 'https://www.paypal.com';
}

/**
 * Checks the effective configuration. Throws `PluginConfigError` naming the key: the manifest's
 * schema is checked at boot and on save, but a provider may also be built from code.
 */
export function resolvePayPalSettings(config: PayPalPaymentConfig): PayPalSettings {
  const apiBaseUrl = origin('apiBaseUrl', config.apiBaseUrl ?? DEFAULT_PAYPAL_API_BASE_URL);
  const webBaseUrl = config.webBaseUrl ? origin('webBaseUrl', config.webBaseUrl) : defaultWebBaseUrl(apiBaseUrl);
  const verification = config.verification ?? 'api';
  if (verification !== 'api' && verification !== 'offline') throw new PluginConfigError(PAYPAL_PLUGIN_ID, 'verification', 'must be "api" or "offline"');
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new PluginConfigError(PAYPAL_PLUGIN_ID, 'timeoutMs', 'must be a positive integer');
  const paymentFailureThreshold = config.paymentFailureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
  if (!Number.isInteger(paymentFailureThreshold) || paymentFailureThreshold < 0 || paymentFailureThreshold > 999) {
    throw new PluginConfigError(PAYPAL_PLUGIN_ID, 'paymentFailureThreshold', 'must be an integer from 0 to 999');
  }
  return {
    apiBaseUrl,
    webBaseUrl,
    clientId: config.clientId || undefined,
    clientSecret: config.clientSecret || undefined,
    webhookId: config.webhookId || undefined,
    verification,
    timeoutMs,
    paymentFailureThreshold,
    autoBillOutstanding: config.autoBillOutstanding ?? false,
    brandName: config.brandName || undefined,
    productName: config.productName || DEFAULT_PRODUCT_NAME,
  };
}

/** A setting the call needs and the brand has not set: names the key and where to set it. */
export function missingSetting(key: 'clientId' | 'clientSecret' | 'webhookId'): PluginConfigError {
  const env = `PAYMENT_PAYPAL_${key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  return new PluginConfigError(PAYPAL_PLUGIN_ID, key, `is required: set it in the brand's PayPal settings (or ${env} for the whole instance)`);
}
