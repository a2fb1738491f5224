/** The LLM agent engine: a chat model (an `LlmProvider` plugin) running the call through the agent's tools. */
export { LlmAgentEngine } from './llm-agent.engine';
export type { LlmAgentEngineOptions, LlmAgentLogger } from './llm-agent.engine';
export { claimsBooking } from './booking-claim';
