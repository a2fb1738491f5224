/**
 * `@tero/sdk/testing`: the conformance suites every plugin of a kind runs against its own local fake
 * vendor, and the helpers those fakes need. Import it from specs only: it uses Jest's globals.
 */
export * from './email-transport.contract';
export * from './llm-provider.contract';
export * from './payment-provider.contract';
export * from './raw-email.parser';
export * from './voice-engine.contract';
export * from './fake-vendor.server';
