import type { EntityManager } from '@mikro-orm/core';
import type { JobHandle, JobQueue, LoadedPack } from '@tero/core';
import {
  type AgentKnowledge,
  type ConversationEngine,
  type KnowledgeInput,
  type PromptTemplates,
  buildKnowledge,
  profileDefaultsFromPack,
} from '@tero/conversation';
import { AgentProfile, Brand, Client, type Database, PromptVersion, type PromptScenarioReport, type PromptVersionStatus } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';
import { type DiffLine, diffLines } from './line-diff';
import { PromptTemplateError, validatePrompt } from './prompt-validation';
import { PROMPT_SCENARIOS_JOB_NAME, PromptScenarioRunner, type ScenarioJobData } from './prompt-scenarios';
import { PromptTalk, type TalkAnswer } from './prompt-talk';

/**
 * The agent's prompt as a client edits it: the pack's templates until the client publishes its own, then
 * numbered versions per locale with a history (who, when, a note), a diff between any two, rollback (a
 * new version copying an old one, so history stays a straight line), a draft tried before it goes live
 * ("talk to your agent", the pack's scenarios as a job), and the published templates the call path reads.
 */

/** Who saves or publishes: the user (null when none is signed in, as in scripts) and the name shown in history. */
export interface PromptAuthor {
  userId: string | null;
  name: string;
}

/** One version as the page and the API show it. */
export interface PromptVersionView {
  number: number;
  locale: string;
  status: PromptVersionStatus;
  systemPrompt: string;
  greeting: string;
  authorId: string | null;
  authorName: string;
  note: string;
  /** For a rollback: the version it copies. */
  copiedFrom: number | null;
  createdAt: Date;
  publishedAt: Date | null;
  scenarioReport: PromptScenarioReport | null;
}

/** What calls in `locale` use now: the client's published version, or the pack's templates. */
export interface CurrentPrompt {
  locale: string;
  source: 'pack' | 'client';
  /** The published version's number; null for the pack's. */
  version: number | null;
  templates: PromptTemplates;
}

/** What the setup wizard reads: whether the client made the prompt its own. */
export interface PromptState {
  /** A version of the client's own is published in some locale. */
  customized: boolean;
  /** The published version in the client's own locale, if any. */
  publishedVersion: number | null;
  /** A draft waits in the client's own locale. */
  draft: boolean;
}

/** The two templates of two versions, line by line. Version 0 is the pack's template. */
export interface PromptDiff {
  from: number;
  to: number;
  systemPrompt: DiffLine[];
  greeting: DiffLine[];
}

export interface Prompts {
  /** The locales a client's prompt can be written in (its pack's), the client's own first. */
  locales(ctx: TenantContext): Promise<{ locales: string[]; defaultLocale: string }>;
  current(ctx: TenantContext, locale: string): Promise<CurrentPrompt>;
  /** The open draft of `locale`, if any. */
  draft(ctx: TenantContext, locale: string): Promise<PromptVersionView | null>;
  /** The pack's own templates for `locale`: version 0 of every diff. */
  packTemplates(ctx: TenantContext, locale: string): Promise<PromptTemplates>;
  /** Validates and stores the draft of `locale` (a new version number when there was none); clears its scenario report. */
  saveDraft(ctx: TenantContext, author: PromptAuthor, input: { locale: string; systemPrompt: string; greeting: string; note?: string }): Promise<PromptVersionView>;
  /** Drops the open draft of `locale`; calls keep what is published. */
  discardDraft(ctx: TenantContext, locale: string): Promise<void>;
  /** Makes the draft the published version (the one before is superseded). A second publish of it is refused. */
  publish(ctx: TenantContext, locale: string): Promise<PromptVersionView>;
  /** A new published version copying `number`'s text; an open draft stays as it is. */
  rollback(ctx: TenantContext, author: PromptAuthor, input: { locale: string; number: number; note?: string }): Promise<PromptVersionView>;
  /** Every version of `locale`, newest first. */
  history(ctx: TenantContext, locale: string): Promise<PromptVersionView[]>;
  diff(ctx: TenantContext, locale: string, from: number, to: number): Promise<PromptDiff>;
  state(ctx: TenantContext): Promise<PromptState>;
  /** The templates rendered with the client's real facts; refused with line and column when invalid. */
  preview(ctx: TenantContext, input: { locale: string } & PromptTemplates): Promise<PromptTemplates>;
  /** The client's published templates by locale, for the call path (cached until {@link Prompts.forget}). */
  published(ctx: TenantContext): Promise<Record<string, PromptTemplates>>;
  /** Forgets the cached published templates of a client (one was published, here or on another replica). */
  forget(clientId: string): void;
  /**
   * One message of "talk to your agent": the engine the client's calls use, with the draft's or the
   * published prompt, over a ledger that books nothing real. Without a session (or with an expired one) a
   * new conversation starts with the greeting.
   */
  talk(ctx: TenantContext, input: { locale: string; use: 'draft' | 'published'; sessionId?: string | null; text: string }): Promise<TalkAnswer>;
  /** Plays the pack's scenarios of `locale` against the draft, as a job; its report is stored on the draft as it goes. */
  runScenarios(ctx: TenantContext, locale: string): Promise<{ jobId: string }>;
  /** Registers the scenario job (every process that may enqueue it). */
  start(): void;
  stop(): void;
}

export interface PromptsDeps {
  db: Database;
  jobs: JobQueue;
  i18n: I18n;
  logger: Logger;
  /** Profession packs by id. */
  packs: { get(packId: string): Promise<Pick<LoadedPack, 'id' | 'manifest' | 'prompts' | 'scenarios'>> };
  /** The engine a client's calls use (the call path's conversation runtime). */
  engines: { engine(ctx: TenantContext, engineId: string): ConversationEngine | Promise<ConversationEngine> };
  /** Told after a version was published (or rolled back to), so calls pick it up on every replica. */
  onPublished(ctx: TenantContext, locale: string): void;
  clock?: () => Date;
}

/** A version's note. */
const MAX_NOTE = 500;
/** Compare-and-set races a save, publish or rollback retries before it gives up. */
const ATTEMPTS = 4;
const MAX_CACHED_CLIENTS = 5_000;
/** After this, a run still marked running is taken for dead and another may start. */
const RUN_GIVEN_UP_MS = 10 * 60_000;
/** How long a replica trusts its cached published prompt if the event of a newer one never reached it. */
const PUBLISHED_TTL_MS = 30_000;

/** The facts a prompt is rendered with, loaded once per operation. */
interface ClientFacts {
  client: Client;
  brand: Brand;
  profile: AgentProfile | null;
  pack: Pick<LoadedPack, 'id' | 'manifest' | 'prompts' | 'scenarios'>;
}

class LostRace extends Error {}

export function createPrompts(deps: PromptsDeps): Prompts {
  const { db, jobs, i18n, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const publishedCache = new Map<string, { at: number; value: Promise<Record<string, PromptTemplates>> }>();

  const em = (ctx: TenantContext): EntityManager => db.forTenant(ctx);
  const clientIdOf = (ctx: TenantContext): string => {
    if (!ctx.clientId) throw new TeroError('prompts.client_only', 'the agent prompt belongs to a client', {}, { status: 403 });
    return ctx.clientId;
  };

  async function facts(ctx: TenantContext): Promise<ClientFacts> {
    const clientId = clientIdOf(ctx);
    const manager = em(ctx);
    const [client, brand, profile] = await Promise.all([
      manager.findOne(Client, { id: clientId }),
      manager.findOne(Brand, { id: ctx.brandId }),
      manager.findOne(AgentProfile, { client: clientId }),
    ]);
    if (!client || !brand) throw new TeroError('not_found', 'client not found', {}, { status: 404 });
    return { client, brand, profile, pack: await deps.packs.get(client.professionPack) };
  }

  function checkLocale(f: ClientFacts, locale: string): string {
    if (!f.pack.manifest.locales.includes(locale)) {
      throw new TeroError('prompts.locale_unsupported', `the pack does not speak ${locale}`, { locale, locales: f.pack.manifest.locales.join(', ') }, { status: 400 });
    }
    return locale;
  }

  function packTemplatesOf(f: ClientFacts, locale: string): PromptTemplates {
    return { systemPrompt: f.pack.prompts[locale] ?? f.pack.prompts.en ?? '', greeting: f.pack.manifest.greeting?.[locale] ?? '' };
  }

  /** The client's facts as {@link buildKnowledge} reads them; pack defaults stand in before the agent is set up. */
  function knowledgeInput(f: ClientFacts, locale: string): KnowledgeInput {
    const defaults = profileDefaultsFromPack(f.pack);
    const profile = f.profile ?? {
      agentName: 'Ava',
      address: '',
      businessPhone: '',
      exceptions: [],
      emergencyKeywords: {},
      ...defaults,
    };
    return { pack: f.pack, profile, client: f.client, brand: f.brand, locale, i18n };
  }

  const where = (clientId: string, locale: string) => ({ client: clientId, locale });

  async function findVersion(manager: EntityManager, clientId: string, locale: string, filter: Record<string, unknown>): Promise<PromptVersion | null> {
    return manager.findOne(PromptVersion, { ...where(clientId, locale), ...filter }, { disableIdentityMap: true });
  }

  async function nextNumber(manager: EntityManager, clientId: string, locale: string): Promise<number> {
    const last = await manager.findOne(PromptVersion, where(clientId, locale), { orderBy: { number: 'desc' }, fields: ['number'], disableIdentityMap: true });
    return (last?.number ?? 0) + 1;
  }

  /** Retries `run` when it lost a race (a compare-and-set found the row changed, a unique slot or number taken). */
  async function attempt<T>(run: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await run();
      } catch (error) {
        const lost = error instanceof LostRace || db.isConstraintViolation(error);
        if (!lost || tries === ATTEMPTS) {
          if (lost) throw new TeroError('prompts.conflict', 'someone else changed the prompt at the same moment', {}, { status: 409, cause: error });
          throw error;
        }
      }
    }
  }

  function validate(templates: PromptTemplates): void {
    const issues = validatePrompt(templates);
    if (issues.length > 0) throw new PromptTemplateError(issues);
  }

  function note(text: string | undefined): string {
    const value = (text ?? '').trim();
    if (value.length > MAX_NOTE) throw new TeroError('prompts.note_too_long', `a note has at most ${MAX_NOTE} characters`, { max: MAX_NOTE }, { status: 400 });
    return value;
  }

  const authorFields = (author: PromptAuthor) => ({ author: author.userId, authorName: author.name.slice(0, 200) });

  async function draftOf(ctx: TenantContext, locale: string): Promise<PromptVersion | null> {
    return findVersion(em(ctx), clientIdOf(ctx), locale, { slot: 'draft' });
  }

  const scenarios = new PromptScenarioRunner({
    db,
    jobs,
    logger,
    clock,
    engines: deps.engines,
    load: async (ctx, versionNumber, locale) => {
      const f = await facts(ctx);
      const row = await findVersion(em(ctx), clientIdOf(ctx), locale, { number: versionNumber });
      if (!row) return null;
      return { facts: f, row, knowledgeInput: knowledgeInput(f, locale) };
    },
  });

  const talk = new PromptTalk({ clock, engines: deps.engines });

  const prompts: Prompts = {
    async locales(ctx) {
      const f = await facts(ctx);
      const locales = f.pack.manifest.locales;
      const defaultLocale = locales.includes(f.client.locale) ? f.client.locale : locales.includes('en') ? 'en' : locales[0]!;
      return { locales: [defaultLocale, ...locales.filter((l) => l !== defaultLocale)], defaultLocale };
    },

    async current(ctx, locale) {
      const f = await facts(ctx);
      checkLocale(f, locale);
      const row = await findVersion(em(ctx), f.client.id, locale, { slot: 'published' });
      return row
        ? { locale, source: 'client', version: row.number, templates: { systemPrompt: row.systemPrompt, greeting: row.greeting } }
        : { locale, source: 'pack', version: null, templates: packTemplatesOf(f, locale) };
    },

    async draft(ctx, locale) {
      const row = await draftOf(ctx, locale);
      return row ? viewOf(row) : null;
    },

    async packTemplates(ctx, locale) {
      const f = await facts(ctx);
      return packTemplatesOf(f, checkLocale(f, locale));
    },

    async saveDraft(ctx, author, input) {
      const f = await facts(ctx);
      const locale = checkLocale(f, input.locale);
      const templates = { systemPrompt: input.systemPrompt, greeting: input.greeting };
      validate(templates);
      const text = note(input.note);
      const clientId = f.client.id;
      const saved = await attempt(async () => {
        const manager = em(ctx);
        const existing = await findVersion(manager, clientId, locale, { slot: 'draft' });
        const now = clock();
        // A draft's time is its last save: the text it holds was written then, by this author.
        const fields = { ...templates, note: text, ...authorFields(author), scenarioReport: null, createdAt: now, updatedAt: now };
        if (existing) {
          const updated = await manager.nativeUpdate(PromptVersion, { id: existing.id, slot: 'draft' }, fields);
          if (updated !== 1) throw new LostRace();
          return existing.id;
        }
        const row = manager.create(PromptVersion, {
          brand: ctx.brandId,
          client: clientId,
          locale,
          number: await nextNumber(manager, clientId, locale),
          status: 'draft',
          slot: 'draft',
          ...fields,
        });
        await manager.persist(row).flush();
        return row.id;
      });
      return viewOf(await em(ctx).findOneOrFail(PromptVersion, { id: saved }, { disableIdentityMap: true }));
    },

    async discardDraft(ctx, locale) {
      await em(ctx).nativeDelete(PromptVersion, { ...where(clientIdOf(ctx), locale), slot: 'draft' });
    },

    async publish(ctx, locale) {
      const f = await facts(ctx);
      checkLocale(f, locale);
      const clientId = f.client.id;
      const draft = await findVersion(em(ctx), clientId, locale, { slot: 'draft' });
      if (!draft) throw new TeroError('prompts.no_draft', 'there is no draft to publish', { locale }, { status: 409 });
      const published = await attempt(() =>
        em(ctx).transactional(async (tx) => {
          const now = clock();
          await tx.nativeUpdate(PromptVersion, { ...where(clientId, locale), slot: 'published' }, { slot: null, status: 'superseded', updatedAt: now });
          // The compare-and-set: of two publishes of the same draft, the second finds it published already.
          const moved = await tx.nativeUpdate(PromptVersion, { id: draft.id, slot: 'draft' }, { slot: 'published', status: 'published', publishedAt: now, updatedAt: now });
          if (moved !== 1) throw new AlreadyPublished();
          return draft.id;
        }),
      ).catch((error: unknown) => {
        if (error instanceof AlreadyPublished) throw new TeroError('prompts.already_published', 'this draft was already published', { locale }, { status: 409 });
        throw error;
      });
      announce(ctx, locale);
      return viewOf(await em(ctx).findOneOrFail(PromptVersion, { id: published }, { disableIdentityMap: true }));
    },

    async rollback(ctx, author, input) {
      const f = await facts(ctx);
      const locale = checkLocale(f, input.locale);
      const clientId = f.client.id;
      const text = note(input.note);
      const source = await findVersion(em(ctx), clientId, locale, { number: input.number });
      if (!source) throw new TeroError('prompts.version_not_found', `there is no version ${input.number}`, { number: input.number }, { status: 404 });
      if (source.slot === 'published') throw new TeroError('prompts.already_current', `version ${input.number} is the one in use`, { number: input.number }, { status: 409 });
      if (source.status === 'draft') throw new TeroError('prompts.rollback_draft', 'a draft is published, not rolled back to', { number: input.number }, { status: 400 });
      const created = await attempt(() =>
        em(ctx).transactional(async (tx) => {
          const now = clock();
          await tx.nativeUpdate(PromptVersion, { ...where(clientId, locale), slot: 'published' }, { slot: null, status: 'superseded', updatedAt: now });
          const row = tx.create(PromptVersion, {
            brand: ctx.brandId,
            client: clientId,
            locale,
            number: await nextNumber(tx, clientId, locale),
            systemPrompt: source.systemPrompt,
            greeting: source.greeting,
            status: 'published',
            slot: 'published',
            copiedFrom: source.number,
            note: text,
            ...authorFields(author),
            publishedAt: now,
            createdAt: now,
            updatedAt: now,
          });
          await tx.persist(row).flush();
          return row.id;
        }),
      );
      announce(ctx, locale);
      return viewOf(await em(ctx).findOneOrFail(PromptVersion, { id: created }, { disableIdentityMap: true }));
    },

    async history(ctx, locale) {
      const rows = await em(ctx).find(PromptVersion, where(clientIdOf(ctx), locale), { orderBy: { number: 'desc' }, disableIdentityMap: true });
      return rows.map(viewOf);
    },

    async diff(ctx, locale, from, to) {
      const f = await facts(ctx);
      checkLocale(f, locale);
      const textOf = async (number: number): Promise<PromptTemplates> => {
        if (number === 0) return packTemplatesOf(f, locale);
        const row = await findVersion(em(ctx), f.client.id, locale, { number });
        if (!row) throw new TeroError('prompts.version_not_found', `there is no version ${number}`, { number }, { status: 404 });
        return { systemPrompt: row.systemPrompt, greeting: row.greeting };
      };
      const [a, b] = await Promise.all([textOf(from), textOf(to)]);
      return { from, to, systemPrompt: diffLines(a.systemPrompt, b.systemPrompt), greeting: diffLines(a.greeting, b.greeting) };
    },

    async state(ctx) {
      const clientId = clientIdOf(ctx);
      const { defaultLocale } = await prompts.locales(ctx);
      const manager = em(ctx);
      const [anyPublished, published, draft] = await Promise.all([
        manager.count(PromptVersion, { client: clientId, slot: 'published' }),
        findVersion(manager, clientId, defaultLocale, { slot: 'published' }),
        findVersion(manager, clientId, defaultLocale, { slot: 'draft' }),
      ]);
      return { customized: anyPublished > 0, publishedVersion: published?.number ?? null, draft: draft !== null };
    },

    async preview(ctx, input) {
      const f = await facts(ctx);
      const locale = checkLocale(f, input.locale);
      const templates = { systemPrompt: input.systemPrompt, greeting: input.greeting };
      validate(templates);
      const knowledge = buildKnowledge({ ...knowledgeInput(f, locale), templates: { [locale]: templates } });
      return { systemPrompt: knowledge.systemPrompt, greeting: knowledge.greeting };
    },

    published(ctx) {
      const clientId = clientIdOf(ctx);
      const now = Date.now();
      const hit = publishedCache.get(clientId);
      if (hit && now - hit.at < PUBLISHED_TTL_MS) return hit.value;
      const value = em(ctx)
        .find(PromptVersion, { client: clientId, slot: 'published' }, { disableIdentityMap: true })
        .then((rows) => Object.fromEntries(rows.map((row) => [row.locale, { systemPrompt: row.systemPrompt, greeting: row.greeting }])));
      if (publishedCache.size >= MAX_CACHED_CLIENTS) publishedCache.clear();
      publishedCache.set(clientId, { at: now, value });
      value.catch(() => publishedCache.delete(clientId));
      return value;
    },

    forget(clientId) {
      publishedCache.delete(clientId);
    },

    async talk(ctx, input) {
      const text = input.text.trim();
      if (text.length > 500) throw new TeroError('prompts.message_too_long', 'a message has at most 500 characters', { max: 500 }, { status: 400 });
      return talk.say(ctx, { sessionId: input.sessionId ?? null, text }, async () => {
        const f = await facts(ctx);
        const locale = checkLocale(f, input.locale);
        let templates: PromptTemplates | null = null;
        if (input.use === 'draft') {
          const draft = await findVersion(em(ctx), f.client.id, locale, { slot: 'draft' });
          if (!draft) throw new TeroError('prompts.no_draft', 'there is no draft to talk to', { locale }, { status: 409 });
          templates = { systemPrompt: draft.systemPrompt, greeting: draft.greeting };
        }
        const input0 = knowledgeInput(f, locale);
        const knowledge: AgentKnowledge = buildKnowledge(templates ? { ...input0, templates: { [locale]: templates } } : { ...input0, templates: await prompts.published(ctx) });
        return {
          knowledge,
          engineId: f.profile?.engine ?? 'builtin',
          capacity: f.profile?.capacity ?? 1,
          transfer: { human: f.profile?.transferNumber ?? null, emergency: f.profile?.onCallNumber ?? null },
        };
      });
    },

    async runScenarios(ctx, locale) {
      const f = await facts(ctx);
      checkLocale(f, locale);
      const draft = await findVersion(em(ctx), f.client.id, locale, { slot: 'draft' });
      if (!draft) throw new TeroError('prompts.no_draft', 'there is no draft to test', { locale }, { status: 409 });
      const report = draft.scenarioReport;
      // One run at a time per draft (an LLM engine's runs cost money); a run whose process died is given up after a while.
      if (report?.state === 'running' && clock().getTime() - Date.parse(report.startedAt) < RUN_GIVEN_UP_MS) {
        throw new TeroError('prompts.scenarios_running', 'the scenarios are already running on this draft', { locale }, { status: 409 });
      }
      if (!f.pack.scenarios.some((s) => s.locale === locale)) {
        throw new TeroError('prompts.no_scenarios', `the pack has no scenario in ${locale}`, { locale }, { status: 409 });
      }
      return scenarios.enqueue(ctx, draft, f.profile?.engine ?? 'builtin', f.pack.scenarios.filter((s) => s.locale === locale).length);
    },

    start() {
      // One try: a run that broke says so in its report, and the client runs it again when it wants.
      jobs.register(PROMPT_SCENARIOS_JOB_NAME, (job: JobHandle<ScenarioJobData>) => scenarios.process(job), { attempts: 1 });
    },

    stop() {
      talk.clear();
      publishedCache.clear();
    },
  };

  function announce(ctx: TenantContext, locale: string) {
    publishedCache.delete(clientIdOf(ctx));
    try {
      deps.onPublished(ctx, locale);
    } catch (error) {
      logger.warn({ err: error, clientId: ctx.clientId }, 'telling the call path about a published prompt failed; it notices within 30 s');
    }
  }

  return prompts;
}

class AlreadyPublished extends Error {}

function viewOf(row: PromptVersion): PromptVersionView {
  return {
    number: row.number,
    locale: row.locale,
    status: row.status,
    systemPrompt: row.systemPrompt,
    greeting: row.greeting,
    authorId: row.author?.id ?? null,
    authorName: row.authorName,
    note: row.note,
    copiedFrom: row.copiedFrom ?? null,
    createdAt: row.createdAt,
    publishedAt: row.publishedAt ?? null,
    scenarioReport: row.scenarioReport ?? null,
  };
}
