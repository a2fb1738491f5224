import type { EntityManager } from '@mikro-orm/core';
import type { JobHandle, JobQueue, LoadedPack } from '@tero/core';
import {
  type ConversationEngine,
  InMemoryLedger,
  type KnowledgeInput,
  type PromptTemplates,
  type ScenarioRun,
  TEST_NUMBERS,
  buildKnowledge,
  runScenarioWithEngine,
  scenarioBusinessProfile,
} from '@tero/conversation';
import { type AgentProfile, type Brand, type Client, type Database, PromptVersion, type PromptScenarioReport } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';

/**
 * Plays a profession pack's scenarios against a client's draft prompt, as a job: the engine the client's
 * calls use, the draft's templates, and the pack's test business (the pack's services, hours and FAQ, which
 * the scenarios were written against, under the client's name and agent), over an in-memory ledger. The
 * report is written on the draft after every scenario, so the page shows progress; a report is only
 * written while the draft still holds the text it was run on.
 */

/** What the job carries: enough to find the draft and to know which text it ran on. */
export interface ScenarioJobData {
  brandId: string;
  clientId: string;
  locale: string;
  number: number;
  engineId: string;
}

/** A draft row as the runner reads it, with what its knowledge is built from. */
export interface ScenarioTarget {
  facts: { client: Client; brand: Brand; profile: AgentProfile | null; pack: Pick<LoadedPack, 'id' | 'manifest' | 'prompts' | 'scenarios'> };
  row: PromptVersion;
  knowledgeInput: KnowledgeInput;
}

export interface ScenarioRunnerDeps {
  db: Database;
  jobs: JobQueue;
  logger: Logger;
  clock: () => Date;
  engines: { engine(ctx: TenantContext, engineId: string): ConversationEngine | Promise<ConversationEngine> };
  load(ctx: TenantContext, number: number, locale: string): Promise<ScenarioTarget | null>;
}

/** One scenario's verdict: met its expected outcome and claimed no booking it did not make. */
export function verdictOf(run: ScenarioRun): PromptScenarioReport['results'][number] {
  const misses = [...run.misses, ...(run.falseBookingClaims > 0 ? [`claimed a booking ${run.falseBookingClaims} time(s) while none was made`] : [])];
  return { scenarioId: run.scenarioId, passed: misses.length === 0, misses, failingTurn: run.turnMisses[0] ?? null };
}

export class PromptScenarioRunner {
  constructor(private readonly deps: ScenarioRunnerDeps) {}

  /** Marks the draft's report as running and enqueues the job. */
  async enqueue(ctx: TenantContext, draft: PromptVersion, engineId: string, total: number): Promise<{ jobId: string }> {
    const report: PromptScenarioReport = { state: 'running', engineId, startedAt: this.deps.clock().toISOString(), finishedAt: null, total, results: [] };
    await this.write(this.deps.db.forTenant(ctx), draft, report);
    const data: ScenarioJobData = { brandId: ctx.brandId, clientId: draft.client.id, locale: draft.locale, number: draft.number, engineId };
    const jobId = await this.deps.jobs.enqueue(PROMPT_SCENARIOS_JOB_NAME, data, { jobId: `prompt-scenarios-${draft.id}-${Date.now().toString(36)}` });
    return { jobId };
  }

  async process(job: JobHandle<ScenarioJobData>): Promise<{ passed: number; total: number } | null> {
    const { brandId, clientId, locale, number, engineId } = job.data;
    const ctx: TenantContext = { brandId, clientId, locale, requestId: `job:${job.id}` };
    const target = await this.deps.load(ctx, number, locale);
    if (!target || target.row.slot !== 'draft') return null;
    const { row, facts } = target;
    const templates: PromptTemplates = { systemPrompt: row.systemPrompt, greeting: row.greeting };
    const scenarios = facts.pack.scenarios.filter((s) => s.locale === locale);
    const report: PromptScenarioReport = {
      state: 'running',
      engineId,
      startedAt: this.deps.clock().toISOString(),
      finishedAt: null,
      total: scenarios.length,
      results: [],
    };
    const em = this.deps.db.forTenant(ctx);
    try {
      const knowledge = buildKnowledge({ ...testBusiness(target), locale, templates: { [locale]: templates } });
      const engine = await this.deps.engines.engine(ctx, engineId);
      for (const [index, scenario] of scenarios.entries()) {
        const ledger = new InMemoryLedger({ knowledge, capacity: facts.pack.manifest.capacity ?? 1 });
        const tools = ledger.toolsFor(`scenario-${job.id}-${index}`, { human: TEST_NUMBERS.transfer, emergency: TEST_NUMBERS.onCall });
        report.results.push(verdictOf(await runScenarioWithEngine(engine, knowledge, scenario, tools)));
        if (!(await this.write(em, row, report))) return null;
        await job.updateProgress({ done: index + 1, total: scenarios.length });
      }
      report.state = 'done';
    } catch (error) {
      this.deps.logger.warn({ err: error, clientId, locale, number }, 'a prompt scenario run broke');
      report.state = 'failed';
      report.error = error instanceof Error ? error.message : String(error);
    }
    report.finishedAt = this.deps.clock().toISOString();
    await this.write(em, row, report);
    return { passed: report.results.filter((r) => r.passed).length, total: scenarios.length };
  }

  /** Writes the report while the draft still holds the text it was run on; false once it changed. */
  private async write(em: EntityManager, row: PromptVersion, report: PromptScenarioReport): Promise<boolean> {
    const updated = await em.nativeUpdate(
      PromptVersion,
      { id: row.id, slot: 'draft', systemPrompt: row.systemPrompt, greeting: row.greeting },
      { scenarioReport: structuredClone(report) },
    );
    return updated === 1;
  }
}

/** The job's queue name (also {@link PROMPT_SCENARIOS_JOB} in the service). */
export const PROMPT_SCENARIOS_JOB_NAME = 'prompts.scenarios';

/**
 * The business the scenarios were written for: the pack's services, hours, FAQ and policies, with numbers
 * to put calls through, under the client's name and its agent's name, address and phone.
 */
function testBusiness(target: ScenarioTarget): KnowledgeInput {
  const { agentName, address, businessPhone } = target.knowledgeInput.profile;
  return { ...target.knowledgeInput, profile: scenarioBusinessProfile(target.facts.pack, { agentName, address, businessPhone }) };
}
