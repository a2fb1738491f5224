/**
 * The local fake of an OpenAI-compatible server, for this plugin's contract spec and for suites that run
 * an engine through the plugin (the LLM agent's scenario suite). Test code only.
 */
export * from './fake-openai.server';
export * from './chat-request.decoder';
