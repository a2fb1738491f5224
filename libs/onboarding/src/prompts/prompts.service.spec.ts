import { join, resolve } from 'node:path';
import { InProcessJobQueue, type LoadedPack, createI18n, loadPack } from '@tero/core';
import { BuiltinEngine } from '@tero/conversation';
import { Brand, Client, PromptVersion } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { type Prompts, createPrompts } from './prompts.service';

/**
 * The prompt versions' state machine on a real database (SQLite, and PostgreSQL when available): a draft
 * saved in place, published once, superseded by the next, rolled back to as a new version; the slot index
 * keeping one version in use whatever races; another client seeing none of it.
 */
const repo = resolve(__dirname, '../../../..');
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const logger = pino({ level: process.env.SPEC_LOG ?? 'silent' });

describe.each(kinds)('prompt versions on %s', (kind) => {
  let t: TestDatabase;
  let jobs: InProcessJobQueue;
  let prompts: Prompts;
  let dentist: LoadedPack;
  let ctxA: TenantContext;
  let ctxB: TenantContext;
  const announced: string[] = [];
  const author = { userId: null, name: 'Dana Owner' };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const i18n = await createI18n(join(repo, 'locales'));
    dentist = await loadPack(join(repo, 'profession-packs/dentist'), { root: repo });
    const e = t.db.forInstance('spec seed');
    const brand = e.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const clientA = e.create(Client, { brand, name: 'Bright Teeth', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York' });
    const clientB = e.create(Client, { brand, name: 'Other Teeth', slug: 'other', professionPack: 'dentist', timezone: 'America/New_York' });
    await e.flush();
    ctxA = { brandId: brand.id, clientId: clientA.id, locale: 'en' };
    ctxB = { brandId: brand.id, clientId: clientB.id, locale: 'en' };
    jobs = new InProcessJobQueue(logger);
    const builtin = new BuiltinEngine({ i18n });
    prompts = createPrompts({
      db: t.db,
      jobs,
      i18n,
      logger,
      packs: { get: async () => dentist },
      engines: { engine: () => builtin },
      onPublished: (ctx, locale) => announced.push(`${ctx.clientId}:${locale}`),
    });
    prompts.start();
    await jobs.start({ process: true });
  });
  afterAll(async () => {
    await jobs.close();
    await t.drop();
  });

  const rows = () => t.db.forInstance('spec').find(PromptVersion, { client: ctxA.clientId }, { orderBy: { number: 'asc' } });
  const texts = (greeting: string) => ({ locale: 'en', systemPrompt: 'You are {{agent.name}} at {{business.name}}.', greeting });

  it('saves a draft in place, publishes it once, and supersedes it with the next', async () => {
    expect((await prompts.current(ctxA, 'en')).source).toBe('pack');
    const first = await prompts.saveDraft(ctxA, author, { ...texts('Hello v1'), note: 'one' });
    const again = await prompts.saveDraft(ctxA, author, { ...texts('Hello v1, edited'), note: 'one, edited' });
    expect([first.number, again.number]).toEqual([1, 1]);
    expect(await prompts.state(ctxA)).toEqual({ customized: false, publishedVersion: null, draft: true });

    await prompts.publish(ctxA, 'en');
    await expect(prompts.publish(ctxA, 'en')).rejects.toMatchObject({ code: 'prompts.no_draft' });
    expect(announced).toEqual([`${ctxA.clientId}:en`]);
    expect(await prompts.current(ctxA, 'en')).toMatchObject({ source: 'client', version: 1, templates: { greeting: 'Hello v1, edited' } });

    await prompts.saveDraft(ctxA, author, texts('Hello v2'));
    await prompts.publish(ctxA, 'en');
    expect((await rows()).map((r) => [r.number, r.status, r.slot ?? null])).toEqual([
      [1, 'superseded', null],
      [2, 'published', 'published'],
    ]);
    expect(await prompts.published(ctxA)).toEqual({ en: { systemPrompt: 'You are {{agent.name}} at {{business.name}}.', greeting: 'Hello v2' } });
    expect(await prompts.state(ctxA)).toEqual({ customized: true, publishedVersion: 2, draft: false });
  });

  it('rolls back by copying an old version into a new published one, leaving a draft alone', async () => {
    await prompts.saveDraft(ctxA, author, texts('Work in progress'));
    const restored = await prompts.rollback(ctxA, author, { locale: 'en', number: 1, note: 'v1 was better' });
    expect(restored).toMatchObject({ number: 4, status: 'published', copiedFrom: 1, greeting: 'Hello v1, edited', note: 'v1 was better' });
    expect((await rows()).map((r) => [r.number, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'draft'],
      [4, 'published'],
    ]);
    await expect(prompts.rollback(ctxA, author, { locale: 'en', number: 4 })).rejects.toMatchObject({ code: 'prompts.already_current' });
    await expect(prompts.rollback(ctxA, author, { locale: 'en', number: 3 })).rejects.toMatchObject({ code: 'prompts.rollback_draft' });
    await expect(prompts.rollback(ctxA, author, { locale: 'en', number: 9 })).rejects.toMatchObject({ code: 'prompts.version_not_found' });
    // The published cache was dropped by the rollback: calls get the restored text.
    expect((await prompts.published(ctxA)).en!.greeting).toBe('Hello v1, edited');
  });

  it('diffs two versions, or a version and the pack (version 0)', async () => {
    const diff = await prompts.diff(ctxA, 'en', 2, 4);
    expect(diff.greeting).toEqual([
      { kind: 'removed', text: 'Hello v2', oldLine: 1 },
      { kind: 'added', text: 'Hello v1, edited', newLine: 1 },
    ]);
    expect(diff.systemPrompt.every((line) => line.kind === 'same')).toBe(true);
    const fromPack = await prompts.diff(ctxA, 'en', 0, 1);
    expect(fromPack.systemPrompt.some((line) => line.kind === 'removed' && line.text.includes('dental practice'))).toBe(true);
  });

  it('keeps exactly one version in use when publishes and rollbacks race', async () => {
    await prompts.saveDraft(ctxA, author, texts('Racing draft'));
    const outcomes = await Promise.allSettled([
      prompts.publish(ctxA, 'en'),
      prompts.publish(ctxA, 'en'),
      prompts.rollback(ctxA, author, { locale: 'en', number: 2 }),
      prompts.rollback(ctxA, author, { locale: 'en', number: 1 }),
    ]);
    expect(outcomes.filter((o, i) => i < 2 && o.status === 'fulfilled')).toHaveLength(1);
    const all = await rows();
    expect(all.filter((r) => r.status === 'published')).toHaveLength(1);
    expect(all.filter((r) => r.slot === 'published')).toHaveLength(1);
    expect(all.map((r) => r.number)).toEqual(all.map((_, i) => i + 1));
  });

  it('refuses bad templates and unknown locales, saving nothing', async () => {
    const before = (await rows()).length;
    await expect(prompts.saveDraft(ctxA, author, { ...texts('Hi {{constructor}}') })).rejects.toMatchObject({ code: 'prompts.invalid_template' });
    await expect(prompts.saveDraft(ctxA, author, { ...texts('Hi'), locale: 'de' })).rejects.toMatchObject({ code: 'prompts.locale_unsupported' });
    await expect(prompts.preview(ctxA, { ...texts('{{#if agent.name}}open') })).rejects.toMatchObject({ code: 'prompts.invalid_template' });
    expect((await rows()).length).toBe(before);
  });

  it('renders a preview with the client\'s facts', async () => {
    const preview = await prompts.preview(ctxA, texts('Thanks for calling {{business.name}}.'));
    expect(preview.greeting).toBe('Thanks for calling Bright Teeth.');
    expect(preview.systemPrompt).toContain('at Bright Teeth.');
  });

  it('shows another client none of these versions', async () => {
    expect(await prompts.history(ctxB, 'en')).toEqual([]);
    expect(await prompts.published(ctxB)).toEqual({});
    expect(await prompts.state(ctxB)).toEqual({ customized: false, publishedVersion: null, draft: false });
    await expect(prompts.diff(ctxB, 'en', 1, 2)).rejects.toMatchObject({ code: 'prompts.version_not_found' });
    expect(await t.db.forTenant(ctxB).count(PromptVersion, {})).toBe(0);
  });

  it('plays the pack\'s scenarios on a draft as a job and stores the report on it', async () => {
    await prompts.saveDraft(ctxA, author, { locale: 'en', systemPrompt: dentist.prompts.en!, greeting: dentist.manifest.greeting!.en! });
    await prompts.runScenarios(ctxA, 'en');
    await jobs.drain();
    const draft = (await prompts.draft(ctxA, 'en'))!;
    const scenarioIds = dentist.scenarios.filter((s) => s.locale === 'en').map((s) => s.id);
    expect(draft.scenarioReport).toMatchObject({ state: 'done', engineId: 'builtin', total: scenarioIds.length });
    expect(draft.scenarioReport!.results.map((r) => r.scenarioId).sort()).toEqual([...scenarioIds].sort());
    // A greeting that claims a booking no one made fails every scenario: the agent must never say so.
    await prompts.saveDraft(ctxA, author, { locale: 'en', systemPrompt: dentist.prompts.en!, greeting: "You're all set, booked!" });
    expect((await prompts.draft(ctxA, 'en'))!.scenarioReport).toBeNull();
    await prompts.runScenarios(ctxA, 'en');
    await jobs.drain();
    const claimed = (await prompts.draft(ctxA, 'en'))!.scenarioReport!;
    expect(claimed.results.every((r) => !r.passed && r.misses.some((m) => m.includes('claimed a booking')))).toBe(true);

    // One run at a time on a draft.
    const running = { ...claimed, state: 'running' as const, startedAt: new Date().toISOString(), finishedAt: null, results: [] };
    await t.db.forTenant(ctxA).nativeUpdate(PromptVersion, { client: ctxA.clientId, slot: 'draft' }, { scenarioReport: running });
    await expect(prompts.runScenarios(ctxA, 'en')).rejects.toMatchObject({ code: 'prompts.scenarios_running' });
  });
});
