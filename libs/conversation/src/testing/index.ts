/**
 * Test support for conversation engines (not part of the library's public index): an in-memory ledger
 * behind real {@link AgentTools}, and a runner that replays profession-pack scenarios against any engine.
 */
export * from './in-memory-agent-tools';
export * from './scenario-runner';
export * from './sample-pack';
