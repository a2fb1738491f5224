/**
 * `@tero/conversation`: the conversation engine port, the agent's knowledge built from a client's
 * profession pack and settings, and the built-in engine. Test support lives in `./testing`.
 */
export * from './engine.port';
export { buildKnowledge, profileDefaultsFromPack, type KnowledgeInput, type KnowledgeProfile, type ProfileDefaults, type PromptTemplates } from './knowledge/knowledge';
export { BuiltinEngine, type BuiltinEngineOptions } from './builtin/builtin.engine';
export * from './llm';
/**
 * The scenario runner and its in-memory ledger, public for one production use: a client's draft prompt is
 * tried against its pack's scenarios (and in "talk to your agent") without booking anything real.
 */
export { runScenarioWithEngine, scenarioBusinessProfile, TEST_NUMBERS, type ScenarioRun } from './testing/scenario-runner';
export { InMemoryLedger, type InMemoryAgentTools } from './testing/in-memory-agent-tools';
