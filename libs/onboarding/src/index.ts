/**
 * `@tero/onboarding`: from sign-up to the first call — the setup wizard and its checklist, voice samples
 * and cloning, the agent's prompt with its history, and the onboarding e-mail sequences.
 */
export * from './onboarding-events';
export * from './voices';
export * from './prompts';
export * from './emails';
export * from './wizard';
