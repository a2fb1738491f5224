import { definePlugin, LLM, providePort, type LlmProvider } from '@tero/sdk';
import { OpenAiLlmProvider, type OpenAiLlmConfig } from './openai.llm-provider';

export { OpenAiLlmProvider, resolveOpenAiSettings, DEFAULT_OPENAI_BASE_URL } from './openai.llm-provider';
export type { OpenAiLlmConfig, OpenAiSettings } from './openai.llm-provider';

export default definePlugin<OpenAiLlmConfig>({
  id: 'llm-openai',
  provides: [providePort<LlmProvider, OpenAiLlmConfig>(LLM, ({ config, logger }) => new OpenAiLlmProvider(config, logger))],
});
