/**
 * The local fake of the Cartesia API, for this plugin's contract spec and for suites that clone voices
 * through the plugin. Test code only.
 */
export * from './fake-cartesia.server';
