/**
 * The local fake of PayPal's REST API, for this plugin's contract spec and for suites that drive billing
 * through the plugin (the e2e tests point `apiBaseUrl` at it). Test code only.
 */
export * from './fake-paypal.server';
export * from './self-signed-cert';
