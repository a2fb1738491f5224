import { join, resolve } from 'node:path';
import type { i18n as I18n } from 'i18next';
import { createI18n, discoverDataPackages, loadPack } from '@tero/core';
import { LLM, type LlmProvider, type PluginLogger, type TenantContext } from '@tero/sdk';
import type { LlmReceivedRequest, LlmScriptedReply } from '@tero/sdk/testing';
import llmOpenAi from '../../../../plugins/llm-openai/src';
import { FakeOpenAiServer } from '../../../../plugins/llm-openai/src/testing';
import { createPackHarness, runScenarioWithEngine, type ScenarioRun } from '../testing';
import { LlmAgentEngine } from './llm-agent.engine';
import { receptionistModel } from './testing/receptionist.fake-model';

/**
 * The issue's acceptance for the LLM agent: every scenario of every profession pack, played by
 * {@link LlmAgentEngine} through the real `llm-openai` plugin against a local OpenAI-compatible server
 * whose "model" is a scripted receptionist returning tool calls (see `receptionist.fake-model.ts`).
 * Every other call streams its answers, so tool calls arrive both whole and in streamed pieces. Same
 * bar as the built-in engine: at least 95 % of the expected outcomes, and no reply claiming a booking
 * the ledger does not hold.
 */
const repo = resolve(__dirname, '../../../..');
const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

describe('profession pack scenarios with the LLM agent over llm-openai and a fake OpenAI-compatible server', () => {
  let i18n: I18n;
  let fake: FakeOpenAiServer;
  const runs: ScenarioRun[] = [];
  /** What the scripted model answered, by whether the engine asked for a stream. */
  const answered = { streamed: { toolCalls: 0, texts: 0 }, whole: { toolCalls: 0, texts: 0 } };

  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    fake = await FakeOpenAiServer.start({ apiKey: 'sk-scenarios' });
    fake.respondWith((request: LlmReceivedRequest): LlmScriptedReply => {
      const reply = receptionistModel(request);
      const tally = request.stream ? answered.streamed : answered.whole;
      if (reply.type === 'answer' && reply.toolCalls?.length) tally.toolCalls++;
      else tally.texts++;
      return reply;
    });
    // Resolved as the plugin registry does: the plugin's LLM provision, built from its effective config.
    const provision = llmOpenAi.provides.find((candidate) => candidate.port.id === LLM.id)!;
    const provider = provision.create({ config: { baseUrl: fake.baseUrl, apiKey: 'sk-scenarios', model: 'receptionist-1' }, logger: silent }) as LlmProvider;

    const found = await discoverDataPackages(repo);
    const packs = await Promise.all(found.packs.map((p) => loadPack(p.dir, { root: repo })));
    let played = 0;
    for (const pack of packs) {
      const harness = createPackHarness(pack, i18n);
      for (const scenario of pack.scenarios) {
        const knowledge = harness.knowledge(scenario.locale);
        const ctx: TenantContext = { brandId: knowledge.brandId, clientId: knowledge.clientId, locale: knowledge.locale, requestId: scenario.id };
        const engine = new LlmAgentEngine({ id: llmOpenAi.id, provider, ctx, i18n, streaming: played++ % 2 === 0 });
        const run = await runScenarioWithEngine(engine, knowledge, scenario, harness.tools(scenario.locale));
        runs.push({ ...run, scenarioId: `${pack.id}/${scenario.id}` });
      }
    }
    // Some 90 calls over HTTP on a shared machine: a limit for a hang, not a speed requirement.
  }, 120_000);

  afterAll(async () => {
    await fake?.stop();
  });

  it('meets at least 95 % of the expected outcomes and never claims a booking the ledger does not hold', () => {
    const missed = runs.filter((r) => !r.met);
    const report = missed.map((r) => `${r.scenarioId}: ${r.misses.join('; ')}\n  ${r.transcript.map((t) => `${t.speaker}: ${t.text}`).join('\n  ')}`);
    console.log(`${runs.length - missed.length}/${runs.length} scenario outcomes met with the LLM agent\n${report.join('\n')}`);

    expect(runs.length).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.falseBookingClaims, 0)).toBe(0);
    expect((runs.length - missed.length) / runs.length).toBeGreaterThanOrEqual(0.95);
  });

  it('went through the model with tool calls, streamed and whole, and never sent the vendor a request it refuses', () => {
    expect(answered.streamed.toolCalls).toBeGreaterThan(0);
    expect(answered.whole.toolCalls).toBeGreaterThan(0);
    expect(answered.streamed.texts).toBeGreaterThan(0);
    expect(answered.whole.texts).toBeGreaterThan(0);
    expect(fake.responderErrors).toEqual([]);
    expect(fake.exchanges.filter((exchange) => exchange.status !== 200).map((exchange) => `${exchange.status} ${JSON.stringify(exchange.body).slice(0, 200)}`)).toEqual([]);
  });
});
