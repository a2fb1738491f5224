import type { AgentKnowledge, ConversationEngine } from '@tero/conversation';
import type { AgentProfile, Brand, Client } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/**
 * How the call path reaches the conversation layer, given by the composition root: the engine an agent
 * profile names, and the agent's knowledge of its business in a locale. The hooks cache the knowledge per
 * client, locale and version of the client's settings, so `knowledge` runs once per change, not per call.
 */
export interface ConversationRuntime {
  /** `builtin`, or an LLM plugin's engine for the tenant; the built-in one when that plugin is not available. */
  engine(ctx: TenantContext, engineId: string): ConversationEngine | Promise<ConversationEngine>;
  knowledge(input: { client: Client; brand: Brand; profile: AgentProfile; locale: string }): AgentKnowledge | Promise<AgentKnowledge>;
}
