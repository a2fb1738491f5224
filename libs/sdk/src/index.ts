/**
 * `@tero/sdk`: everything a plugin may import. Ports, `definePlugin()`, manifest types and errors.
 * Contract test kits live in `@tero/sdk/testing`.
 */
export * from './context';
export * from './errors';
export * from './port';
export * from './plugin';
export * from './ports/email.port';
export * from './ports/llm.port';
export * from './ports/payment.port';
export * from './ports/voice.port';
export * from './manifests';
export * from './plugin-settings';
export * from './vendor-request';
