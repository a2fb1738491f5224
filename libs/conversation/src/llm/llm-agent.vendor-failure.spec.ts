import { join, resolve } from 'node:path';
import type { i18n as I18n } from 'i18next';
import { createI18n, loadPack } from '@tero/core';
import { LLM, type LlmProvider, type PluginLogger } from '@tero/sdk';
import llmOpenAi from '../../../../plugins/llm-openai/src';
import { FakeOpenAiServer } from '../../../../plugins/llm-openai/src/testing';
import type { CallFacts, EngineState } from '../engine.port';
import { createPackHarness, TEST_NUMBERS, type PackHarness } from '../testing';
import { LlmAgentEngine } from './llm-agent.engine';

/** A vendor that fails mid-call, through the real plugin: the caller still gets answers, then a person. */
const repo = resolve(__dirname, '../../../..');
const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

describe('LLM agent with a failing vendor behind llm-openai', () => {
  let i18n: I18n;
  let fake: FakeOpenAiServer;
  let harness: PackHarness;
  let provider: LlmProvider;

  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    harness = createPackHarness(await loadPack(join(repo, 'profession-packs', 'dentist'), { root: repo }), i18n);
  });

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
    const provision = llmOpenAi.provides.find((candidate) => candidate.port.id === LLM.id)!;
    provider = provision.create({ config: { baseUrl: fake.baseUrl, model: 'receptionist-1' }, logger: silent }) as LlmProvider;
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('apologises on a 503, then puts the caller through when the model times out too', async () => {
    fake.script({ type: 'error', status: 503, message: 'overloaded' }, { type: 'hang' });
    const knowledge = harness.knowledge('en');
    const tools = harness.tools('en');
    const engine = new LlmAgentEngine({ id: 'llm-openai', provider, ctx: { brandId: knowledge.brandId, clientId: knowledge.clientId, locale: 'en' }, i18n, turnBudgetMs: 500 });
    const call: CallFacts = { callSid: tools.callSid, callerNumber: '+15550109999', now: new Date('2026-03-09T15:00:00Z'), route: 'open' };

    const greeting = await engine.start(call, knowledge, tools);
    const first = await engine.turn(call, knowledge, JSON.parse(JSON.stringify(greeting.state)) as EngineState, { kind: 'speech', text: 'I want to book a cleaning' }, tools);
    const second = await engine.turn(call, knowledge, JSON.parse(JSON.stringify(first.state)) as EngineState, { kind: 'speech', text: 'Hello? Are you there?' }, tools);

    expect([first.say, first.action]).toEqual([i18n.t('calls:llm.unavailable_offer_transfer', { lng: 'en' }), { type: 'listen' }]);
    expect(second.action).toEqual({ type: 'transfer', to: TEST_NUMBERS.transfer, reason: 'human' });
    expect(fake.exchanges.map((exchange) => exchange.status)).toEqual([503, 0]);
  });
});
