/**
 * The local fake of the ElevenLabs API, for this plugin's contract spec and for suites that clone voices
 * through the plugin (the onboarding e2e tests). Test code only.
 */
export * from './fake-elevenlabs.server';
