import 'reflect-metadata';
import { join } from 'node:path';
import { InProcessJobQueue, LocalDiskFileStorage, type LoadedPlugins, type PluginRegistry, createI18n } from '@tero/core';
import { AgentProfile, Brand, Client, VoiceClone } from '@tero/db';
import type { ClonedVoice, CloneVoiceInput, SynthesizerSettings, TenantContext, VoiceEngine, VoicePreview, VoicePreviewInput, VoiceRef } from '@tero/sdk';
import { TeroError } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { speechLike } from './testing/test-audio';
import { VoiceEngines } from './voice-engines';
import { type Voices, createVoices } from './voices.service';
import { wavFile } from './wav';

/**
 * A voice engine held in memory for the service's own branches (the vendors' behaviour is the plugins'
 * contract suites' and the e2e's): it keeps the voices it made and deleted, and lets a test act while a
 * clone is in progress or make previews fail.
 */
class MemoryVoiceEngine implements VoiceEngine {
  readonly vendor = 'memory';
  readonly voices = new Set<string>();
  readonly deleted: string[] = [];
  clones = 0;
  whileCloning: () => Promise<void> = async () => undefined;
  previewError: TeroError | null = null;

  async cloneVoice(_ctx: TenantContext, input: CloneVoiceInput): Promise<ClonedVoice> {
    this.clones++;
    await this.whileCloning();
    const voiceId = `voice-${this.clones}-${input.samples.length}`;
    this.voices.add(voiceId);
    return { voiceId };
  }

  async preview(_ctx: TenantContext, input: VoicePreviewInput): Promise<VoicePreview> {
    if (this.previewError) throw this.previewError;
    return { audio: new TextEncoder().encode(input.text), contentType: 'audio/mpeg' };
  }

  async deleteVoice(_ctx: TenantContext, voiceId: string): Promise<void> {
    this.voices.delete(voiceId);
    this.deleted.push(voiceId);
  }

  synthesizer(voice: VoiceRef): SynthesizerSettings {
    return { vendor: this.vendor, voice: voice.voiceId, language: voice.language };
  }
}

jest.setTimeout(60_000);

describe('Voices (service branches)', () => {
  /** 35 s of speech, made once: generating it is the slow part. */
  const recording = wavFile(speechLike(35));
  let t: TestDatabase;
  let engine: MemoryVoiceEngine;
  let jobs: InProcessJobQueue;
  let voices: Voices;
  let changes: string[];
  let brand: Brand;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('spec seed');
    brand = em.create(Brand, { name: 'B', slug: 'brand-b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    await em.flush();
  });
  afterAll(() => t.drop());

  beforeEach(async () => {
    engine = new MemoryVoiceEngine();
    const logger = pino({ level: 'silent' });
    jobs = new InProcessJobQueue(logger);
    changes = [];
    const registry = { get: async () => engine, list: () => ['voice-memory'] } as unknown as PluginRegistry;
    const plugins = { plugins: [{ manifest: { id: 'voice-memory' }, instanceConfig: {} }] } as unknown as LoadedPlugins;
    voices = createVoices({
      db: t.db,
      storage: new LocalDiskFileStorage({ dataDir: t.dataDir }),
      jobs,
      registry,
      engines: new VoiceEngines({ registry, plugins, settings: { get: async () => null }, preferred: null }),
      i18n: await createI18n(join(__dirname, '../../../../locales')),
      logger,
      onVoiceChange: (ctx) => changes.push(ctx.clientId!),
    });
    voices.register();
    await jobs.start();
  });
  afterEach(() => jobs.close());

  /** A new client with an agent profile and 35 s of samples. */
  async function clientWithSamples(slug: string): Promise<TenantContext> {
    const em = t.db.forInstance('spec seed');
    const client = em.create(Client, { brand, name: `Client ${slug}`, slug, professionPack: 'dentist', locale: 'fr' });
    em.create(AgentProfile, { brand, client, hours: {}, services: [], faq: [], policies: { afterHours: 'ai', holiday: 'ai', suspended: 'message', quotaExceeded: 'message', emergency: 'message' } });
    await em.flush();
    const ctx: TenantContext = { brandId: brand.id, clientId: client.id, locale: 'en' };
    const report = await voices.addSamples(ctx, [{ fileName: 'owner.wav', data: recording }]);
    expect(report.total.verdict).not.toBe('refused');
    return ctx;
  }

  it('leaves a voice whose preview failed ready and in use, without a preview', async () => {
    const ctx = await clientWithSamples('no-preview');
    engine.previewError = new TeroError('voice.unavailable', 'down', { reason: 'down' }, { retryable: true });
    await voices.startCloning(ctx);
    await jobs.drain();
    expect(await voices.state(ctx)).toEqual({ status: 'ready', engine: 'voice-memory', voiceId: 'voice-1-1' });
    expect((await voices.view(ctx)).hasPreview).toBe(false);
    await expect(voices.preview(ctx)).rejects.toMatchObject({ code: 'voices.not_found' });
    const profile = await t.db.forTenant(ctx).findOneOrFail(AgentProfile, { client: ctx.clientId });
    // The client speaks French: the call language follows.
    expect(profile.voice).toEqual({ vendor: 'memory', voiceId: 'voice-1-1', language: 'fr-FR' });
    expect(changes).toEqual([ctx.clientId]);
  });

  it('says the preview in the client’s language, naming the business', async () => {
    const ctx = await clientWithSamples('with-preview');
    await voices.startCloning(ctx);
    await jobs.drain();
    const preview = await voices.preview(ctx);
    const chunks: Buffer[] = [];
    for await (const chunk of preview.stream) chunks.push(chunk as Buffer);
    expect(preview.contentType).toBe('audio/mpeg');
    expect(Buffer.concat(chunks).toString()).toBe('Bonjour, merci d’avoir appelé Client with-preview. Comment puis-je vous aider aujourd’hui ?');
  });

  it('starts one job for two clicks at once', async () => {
    const ctx = await clientWithSamples('double-click');
    const outcomes = await Promise.allSettled([voices.startCloning(ctx), voices.startCloning(ctx)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'voices.busy' });
    await jobs.drain();
    expect(engine.clones).toBe(1);
  });

  it('deletes at the vendor a voice finished after its client was deleted', async () => {
    const ctx = await clientWithSamples('gone');
    engine.whileCloning = async () => {
      await t.db.forInstance('the client is deleted mid-clone').nativeDelete(Client, { id: ctx.clientId! });
    };
    await voices.startCloning(ctx);
    await jobs.drain();
    expect(engine.deleted).toEqual(['voice-1-1']);
    expect(engine.voices.size).toBe(0);
    expect(await t.db.forInstance('check').count(VoiceClone, { client: ctx.clientId })).toBe(0);
  });
});
