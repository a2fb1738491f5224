/**
 * `@tero/conversation`: the conversation engine port, the agent's knowledge built from a client's
 * profession pack and settings, and the built-in engine. Test support lives in `./testing`.
 */
export * from './engine.port';
export { buildKnowledge, profileDefaultsFromPack, type KnowledgeInput, type KnowledgeProfile, type ProfileDefaults } from './knowledge/knowledge';
export { BuiltinEngine, type BuiltinEngineOptions } from './builtin/builtin.engine';
export * from './llm';
