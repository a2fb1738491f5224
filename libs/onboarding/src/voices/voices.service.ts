import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Readable } from 'node:stream';
import type { FileStorage, JobHandle, JobQueue } from '@tero/core';
import { AgentProfile, Brand, Client, type Database, VoiceClone, type VoiceCloneStatus, type VoiceSampleRecord } from '@tero/db';
import { type TenantContext, TeroError, VOICE, type VoiceEngine, type VoiceSample } from '@tero/sdk';
import type { PluginRegistry } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';
import { AudioToolError, AudioTools } from './audio-tools';
import { type AnalyzedSample, type SampleReport, type TotalReport, TOTAL_LIMITS, analyzeSample, assessTotal } from './sample-analysis';
import type { VoiceEngines } from './voice-engines';
import { VOICE_ERRORS, voiceError } from './voices-errors';

/** Job names on `kernel.jobs`. */
export const VOICE_JOBS = {
  /** Clones a client's voice from its stored samples: `{ ctx, cloneId }`. */
  clone: 'voice.clone',
  /** Deletes a vendor voice and stored files: `{ ctx, engine, voiceId, prefix }` (the row may be gone). */
  delete: 'voice.delete',
} as const;

/** What one upload may hold. */
export const UPLOAD_LIMITS = {
  maxFiles: 10,
  maxFileBytes: 25 * 1024 * 1024,
  maxUploadBytes: 60 * 1024 * 1024,
} as const;

/** Tries of a cloning job while the vendor is unavailable, the first included, and the first wait (doubling). */
export const CLONE_ATTEMPTS = 4;
export const CLONE_BACKOFF_MS = 1000;

/** What the setup wizard and the voice page read: where the client's own voice stands. */
export interface VoiceState {
  status: 'none' | VoiceCloneStatus;
  /** The voice plugin cloning or having cloned the voice. */
  engine?: string;
  /** The vendor's voice id, once ready. */
  voiceId?: string;
  /** 0–100 while cloning. */
  progress?: number;
  /** The vendor's reason, when cloning failed. */
  error?: string;
}

/** The voice page: the state, the samples kept with their verdicts, the total, and whether cloning is possible. */
export interface VoiceView {
  state: VoiceState;
  samples: VoiceSampleRecord[];
  total: TotalReport;
  /** The voice plugin that would clone now; null: cloning is not set up for this client. */
  engine: string | null;
  canClone: boolean;
  hasPreview: boolean;
}

/** The reports of one upload: every file's (refused ones included, which were not kept) and the new total. */
export interface UploadReport {
  files: SampleReport[];
  total: TotalReport;
}

/** A stored preview, ready to be streamed to an `<audio>` element. */
export interface VoicePreviewFile {
  stream: Readable;
  contentType: string;
  size: number;
}

export interface VoicesDeps {
  db: Database;
  storage: FileStorage;
  jobs: JobQueue;
  registry: PluginRegistry;
  engines: VoiceEngines;
  i18n: I18n;
  logger: Logger;
  /** Called once a client's voice changed (cloned, or back to standard): the call directory forgets the client. */
  onVoiceChange: (ctx: TenantContext) => void;
  tools?: AudioTools;
}

/** Client services: samples, cloning, the standard voice, deletion. Every method takes the client's context. */
export interface Voices {
  state(ctx: TenantContext): Promise<VoiceState>;
  view(ctx: TenantContext): Promise<VoiceView>;
  /** Analyses and keeps the good files; refused ones are reported and not kept. A refused upload changes nothing. */
  addSamples(ctx: TenantContext, files: { fileName: string; data: Buffer }[]): Promise<UploadReport>;
  removeSample(ctx: TenantContext, sampleId: string): Promise<void>;
  /** Starts the `voice.clone` job (also the retry after a failure). */
  startCloning(ctx: TenantContext): Promise<VoiceState>;
  /** The client's agent speaks with the instance's standard voice; a cloned voice is deleted at the vendor. */
  useStandardVoice(ctx: TenantContext): Promise<VoiceState>;
  /** Deletes the voice at the vendor and every sample: the state is `none` again. */
  deleteVoice(ctx: TenantContext): Promise<void>;
  preview(ctx: TenantContext): Promise<VoicePreviewFile>;
  /** For the client-deletion hook: enqueues the deletion of the vendor voice and the files (the rows go with the client). */
  forgetClient(ctx: TenantContext): Promise<void>;
  /** Registers the jobs (every process that enqueues them must). */
  register(): void;
}

interface CloneJob {
  ctx: TenantContext;
  cloneId: string;
}

interface DeleteJob {
  ctx: TenantContext;
  engine: string | null;
  voiceId: string | null;
  /** Storage prefix of the clone's files (`voices/<cloneId>/`), or null. */
  prefix: string | null;
  /** Single files to delete (a preview, when the samples stay). */
  keys: string[];
}

/** jambonz language of a call locale (the synthesizer's `language`). */
const CALL_LANGUAGES: Record<string, string> = { en: 'en-US', es: 'es-US', fr: 'fr-FR' };
const baseLanguage = (locale: string) => (locale in CALL_LANGUAGES ? locale : 'en');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const prefixOf = (cloneId: string) => `voices/${cloneId}/`;

/** Builds the voice service (see {@link Voices}). */
export function createVoices(deps: VoicesDeps): Voices {
  const tools = deps.tools ?? new AudioTools();
  const log = deps.logger.child({ part: 'voices' });

  const clientCtx = (ctx: TenantContext): TenantContext & { clientId: string } => {
    if (!ctx.clientId) throw new TeroError('voices.client_required', 'voices belong to a client', {}, { status: 400 });
    return ctx as TenantContext & { clientId: string };
  };

  async function rowOf(ctx: TenantContext): Promise<VoiceClone | null> {
    return deps.db.forTenant(ctx).findOne(VoiceClone, { client: clientCtx(ctx).clientId });
  }

  function stateOf(row: VoiceClone | null): VoiceState {
    if (!row || (row.status === 'samples' && row.samples.length === 0)) return { status: 'none' };
    const state: VoiceState = { status: row.status };
    if (row.engine) state.engine = row.engine;
    if (row.status === 'ready' && row.vendorVoiceId) state.voiceId = row.vendorVoiceId;
    if (row.status === 'cloning') state.progress = row.progress;
    if (row.status === 'failed' && row.lastError) state.error = row.lastError;
    return state;
  }

  /** The client's row, created (status `samples`) on its first upload; two first uploads at once share one. */
  async function ensureRow(ctx: TenantContext, clientId: string): Promise<VoiceClone> {
    const found = await rowOf(ctx);
    if (found) return found;
    const em = deps.db.forTenant(ctx);
    const client = await em.findOneOrFail(Client, { id: clientId });
    const row = em.create(VoiceClone, { brand: em.getReference(Brand, ctx.brandId), client, language: baseLanguage(client.locale), status: 'samples' });
    try {
      await em.flush();
      return row;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return (await rowOf(ctx))!;
    }
  }

  /** Samples may change only while no voice is being cloned or in use. */
  function checkAccepting(row: VoiceClone): void {
    if (row.status === 'cloning') throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
    if (row.status === 'ready') throw voiceError(VOICE_ERRORS.hasVoice, 'delete your cloned voice first', {}, 409);
  }

  function checkTotal(samples: { durationSeconds: number }[]): void {
    const total = assessTotal(samples.map((s) => s.durationSeconds));
    if (total.totalSeconds > TOTAL_LIMITS.maxSeconds) {
      throw voiceError(VOICE_ERRORS.totalTooLong, `more than ${TOTAL_LIMITS.maxSeconds / 60} minutes of recordings`, { minutes: TOTAL_LIMITS.maxSeconds / 60, seconds: total.totalSeconds }, 400);
    }
  }

  /**
   * Changes the client's samples (and status) as a compare-and-set on the row's `updatedAt`: when another
   * request changed the row in between (two uploads at once), it is read again and `change` runs on what
   * is there now, so neither upload's samples are lost. `change` may throw to refuse. Returns the samples.
   */
  async function changeSamples(ctx: TenantContext, change: (row: VoiceClone) => { samples: VoiceSampleRecord[]; status: VoiceCloneStatus }): Promise<VoiceSampleRecord[]> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const em = deps.db.forTenant(ctx);
      const row = await em.findOne(VoiceClone, { client: clientCtx(ctx).clientId });
      if (!row) throw voiceError(VOICE_ERRORS.notFound, 'no such recording', {}, 404);
      const next = change(row);
      // Strictly later than what was read, even within the same millisecond.
      const stamp = new Date(Math.max(Date.now(), row.updatedAt.getTime() + 1));
      const moved = await em.nativeUpdate(VoiceClone, { id: row.id, updatedAt: row.updatedAt }, { samples: next.samples, status: next.status, updatedAt: stamp });
      if (moved === 1) return next.samples;
    }
    throw voiceError(VOICE_ERRORS.busy, 'the recordings are being changed; try again', {}, 409);
  }

  async function setProfileVoice(ctx: TenantContext, voice: AgentProfile['voice']): Promise<void> {
    const em = deps.db.forTenant(ctx);
    const profile = await em.findOne(AgentProfile, { client: clientCtx(ctx).clientId });
    if (!profile) {
      log.warn({ clientId: ctx.clientId }, 'the client has no agent profile: its voice is kept for when it has one');
      return;
    }
    profile.voice = voice;
    await em.flush();
    deps.onVoiceChange(ctx);
  }

  async function enqueueDeletion(ctx: TenantContext, what: Omit<DeleteJob, 'ctx'>): Promise<void> {
    await deps.jobs.enqueue<DeleteJob>(VOICE_JOBS.delete, { ctx: { brandId: ctx.brandId, clientId: ctx.clientId, locale: ctx.locale }, ...what });
  }

  async function cloneJob(job: JobHandle<CloneJob>): Promise<void> {
    const { ctx, cloneId } = job.data;
    const em = deps.db.forTenant(ctx);
    const row = await em.findOne(VoiceClone, { id: cloneId });
    if (!row || row.status !== 'cloning' || !row.engine) return;
    const progress = async (value: number) => {
      row.progress = value;
      await em.flush();
      await job.updateProgress(value);
    };
    row.attempts = job.attempt;
    await progress(10);
    try {
      const engine = await deps.registry.get<VoiceEngine>(VOICE, ctx, row.engine);
      const [client, brand] = await Promise.all([em.findOneOrFail(Client, { id: ctx.clientId! }), em.findOneOrFail(Brand, { id: ctx.brandId })]);
      if (!row.vendorVoiceId) {
        const samples: VoiceSample[] = [];
        for (const sample of row.samples) {
          samples.push({ filename: `${sample.id}.wav`, contentType: 'audio/wav', data: await readAll(await deps.storage.get(ctx, sample.key)), durationSeconds: sample.durationSeconds });
        }
        await progress(30);
        const cloned = await engine.cloneVoice(ctx, { name: `${client.slug} (${brand.slug})`, language: row.language, description: client.name, samples });
        if ((await deps.db.forTenant(ctx).count(VoiceClone, { id: row.id })) === 0) {
          // The client was deleted while the vendor worked (its rows went with it): the new voice goes too.
          await enqueueDeletion(ctx, { engine: row.engine, voiceId: cloned.voiceId, prefix: null, keys: [] });
          return;
        }
        // Kept at once: a crash after this must not clone (and pay for) a second voice.
        row.vendorVoiceId = cloned.voiceId;
        await progress(70);
      }
      const synthesizer = engine.synthesizer({ voiceId: row.vendorVoiceId!, language: CALL_LANGUAGES[row.language] ?? 'en-US' });
      await setProfileVoice(ctx, { vendor: synthesizer.vendor, voiceId: synthesizer.voice, language: synthesizer.language, ...(synthesizer.label ? { label: synthesizer.label } : {}) });
      await progress(85);
      await storePreview(ctx, engine, row, client.name);
      row.status = 'ready';
      row.lastError = null;
      row.readyAt = new Date();
      await progress(100);
    } catch (error) {
      const retryable = !(error instanceof TeroError) || error.options.retryable === true;
      const reason = error instanceof TeroError ? String(error.params.reason ?? error.message) : error instanceof Error ? error.message : String(error);
      row.lastError = reason.slice(0, 2000);
      if (retryable && job.attempt < CLONE_ATTEMPTS) {
        await em.flush();
        throw error;
      }
      row.status = 'failed';
      row.progress = 0;
      await em.flush();
      log.warn({ err: error, clientId: ctx.clientId, engine: row.engine }, 'voice cloning failed');
    }
  }

  async function storePreview(ctx: TenantContext, engine: VoiceEngine, row: VoiceClone, business: string): Promise<void> {
    try {
      const text = deps.i18n.t('voices:preview.text', { lng: row.language, business });
      const preview = await engine.preview(ctx, { voiceId: row.vendorVoiceId!, text: text.slice(0, 500), language: row.language });
      const key = `${prefixOf(row.id)}preview`;
      await deps.storage.put(ctx, key, Buffer.from(preview.audio), { contentType: preview.contentType });
      row.previewKey = key;
      row.previewContentType = preview.contentType;
    } catch (error) {
      // The voice works without its preview; the page says there is none.
      log.warn({ err: error, clientId: ctx.clientId }, 'the voice preview could not be made');
    }
  }

  async function deleteJob(job: JobHandle<DeleteJob>): Promise<void> {
    const { ctx, engine, voiceId, prefix } = job.data;
    if (engine && voiceId) {
      try {
        const voices = await deps.registry.get<VoiceEngine>(VOICE, ctx, engine);
        await voices.deleteVoice(ctx, voiceId);
      } catch (error) {
        if (error instanceof TeroError && error.options.retryable !== true) {
          log.error({ err: error, clientId: ctx.clientId, engine, voiceId }, 'the vendor refused to delete a voice; delete it in its console');
        } else {
          throw error;
        }
      }
    }
    if (prefix) for (const file of await deps.storage.list(ctx, prefix)) await deps.storage.delete(ctx, file.key);
    for (const key of job.data.keys) await deps.storage.delete(ctx, key);
  }

  async function startCloning(ctx: TenantContext): Promise<VoiceState> {
    const row = await rowOf(ctx);
    if (!row || row.samples.length === 0) throw voiceError(VOICE_ERRORS.notEnoughAudio, 'upload recordings of your voice first', { seconds: 0, min: TOTAL_LIMITS.minSeconds });
    if (row.status === 'cloning') throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
    if (row.status === 'ready') throw voiceError(VOICE_ERRORS.hasVoice, 'delete your cloned voice first', {}, 409);
    const total = assessTotal(row.samples.map((s) => s.durationSeconds));
    if (total.verdict === 'refused') throw voiceError(VOICE_ERRORS.notEnoughAudio, `${total.totalSeconds} s of voice is not enough`, { seconds: total.totalSeconds, min: TOTAL_LIMITS.minSeconds });
    const engine = await deps.engines.choose(ctx);
    if (!engine) throw voiceError(VOICE_ERRORS.notSetUp, 'voice cloning is not set up on this instance', {}, 409);
    // Compare-and-set: two clicks start one job.
    const em = deps.db.forTenant(ctx);
    const moved = await em.nativeUpdate(VoiceClone, { id: row.id, status: { $in: ['samples', 'failed', 'standard'] } }, { status: 'cloning', engine, progress: 0, attempts: 0, lastError: null, vendorVoiceId: null, updatedAt: new Date() });
    if (moved !== 1) throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
    await deps.jobs.enqueue<CloneJob>(VOICE_JOBS.clone, { ctx: { brandId: ctx.brandId, clientId: ctx.clientId, locale: ctx.locale }, cloneId: row.id }, { jobId: `voice-clone-${row.id}-${Date.now()}` });
    return { status: 'cloning', engine, progress: 0 };
  }

  return {
    register() {
      // Checked once, so that a missing ffmpeg is in the logs before an owner's first upload fails.
      void tools.available().then((ok) => {
        if (!ok) log.error('ffmpeg or ffprobe cannot be run: voice recordings will be refused until they are installed');
      });
      deps.jobs.register<CloneJob>(VOICE_JOBS.clone, cloneJob, { attempts: CLONE_ATTEMPTS, backoff: { type: 'exponential', delayMs: CLONE_BACKOFF_MS } });
      deps.jobs.register<DeleteJob>(VOICE_JOBS.delete, deleteJob, { attempts: 8, backoff: { type: 'exponential', delayMs: 5000 } });
    },

    async state(ctx) {
      return stateOf(await rowOf(ctx));
    },

    async view(ctx) {
      const row = await rowOf(ctx);
      const samples = row?.samples ?? [];
      const total = assessTotal(samples.map((s) => s.durationSeconds));
      const engine = await deps.engines.choose(ctx);
      const status = row?.status ?? 'samples';
      return {
        state: stateOf(row),
        samples,
        total,
        engine,
        canClone: Boolean(engine) && total.verdict !== 'refused' && (status === 'samples' || status === 'failed' || status === 'standard'),
        hasPreview: Boolean(row?.previewKey) && status === 'ready',
      };
    },

    async addSamples(ctx, files) {
      const { clientId } = clientCtx(ctx);
      if (files.length === 0) throw voiceError(VOICE_ERRORS.noFiles, 'choose at least one recording');
      if (files.length > UPLOAD_LIMITS.maxFiles) throw voiceError(VOICE_ERRORS.tooManyFiles, `at most ${UPLOAD_LIMITS.maxFiles} files at once`, { max: UPLOAD_LIMITS.maxFiles });
      const big = files.find((f) => f.data.length > UPLOAD_LIMITS.maxFileBytes);
      if (big) throw voiceError(VOICE_ERRORS.fileTooLarge, `${big.fileName} is larger than 25 MB`, { file: big.fileName.slice(0, 120), mb: UPLOAD_LIMITS.maxFileBytes / 1024 / 1024 }, 413);
      const row = await ensureRow(ctx, clientId);
      checkAccepting(row);

      const analyzed: AnalyzedSample[] = [];
      try {
        for (const file of files) analyzed.push(await analyzeSample(tools, file.fileName.slice(0, 200), file.data));
      } catch (error) {
        if (!(error instanceof AudioToolError && error.reason === 'missing')) throw error;
        log.error({ err: error }, 'voice samples cannot be analysed: install ffmpeg and ffprobe');
        throw voiceError(VOICE_ERRORS.toolsMissing, 'recordings cannot be analysed on this server right now', {}, 503);
      }
      const kept = analyzed.filter((a) => a.wav);
      const report = (samples: VoiceSampleRecord[]) => ({ files: analyzed.map((a) => a.report), total: assessTotal(samples.map((s) => s.durationSeconds)) });
      if (kept.length === 0) return report(row.samples);
      checkTotal([...row.samples, ...kept.map((a) => a.report)]);

      const added: VoiceSampleRecord[] = [];
      for (const { report: sample, wav } of kept) {
        const id = randomUUID();
        const key = `${prefixOf(row.id)}${id}.wav`;
        await deps.storage.put(ctx, key, wav!, { contentType: 'audio/wav' });
        added.push({
          id,
          key,
          fileName: sample.fileName,
          format: sample.format ?? 'wav',
          sourceSampleRate: sample.sourceSampleRate,
          durationSeconds: sample.durationSeconds,
          bytes: wav!.length,
          verdict: sample.verdict as 'ok' | 'warning',
          reasons: sample.reasons,
          addedAt: new Date().toISOString(),
        });
      }
      try {
        const samples = await changeSamples(ctx, (current) => {
          checkAccepting(current);
          const next = [...current.samples, ...added];
          checkTotal(next);
          return { samples: next, status: 'samples' };
        });
        return report(samples);
      } catch (error) {
        // Refused after all (another upload or a clone got in first): the files go too.
        for (const sample of added) await deps.storage.delete(ctx, sample.key);
        throw error;
      }
    },

    async removeSample(ctx, sampleId) {
      let removed: VoiceSampleRecord | undefined;
      await changeSamples(ctx, (current) => {
        removed = current.samples.find((s) => s.id === sampleId);
        if (!removed) throw voiceError(VOICE_ERRORS.notFound, 'no such recording', {}, 404);
        if (current.status === 'cloning') throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
        return { samples: current.samples.filter((s) => s.id !== sampleId), status: current.status };
      });
      await deps.storage.delete(ctx, removed!.key);
    },

    startCloning,

    async useStandardVoice(ctx) {
      const { clientId } = clientCtx(ctx);
      const em = deps.db.forTenant(ctx);
      let row = await em.findOne(VoiceClone, { client: clientId });
      if (row?.status === 'cloning') throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
      if (row?.vendorVoiceId) {
        await enqueueDeletion(ctx, { engine: row.engine ?? null, voiceId: row.vendorVoiceId, prefix: null, keys: row.previewKey ? [row.previewKey] : [] });
        // The samples stay (the owner may clone again); only the voice and its preview go.
        row.vendorVoiceId = null;
        row.previewKey = null;
        row.previewContentType = null;
      }
      if (!row) {
        const client = await em.findOneOrFail(Client, { id: clientId });
        row = em.create(VoiceClone, { brand: em.getReference(Brand, ctx.brandId), client, language: baseLanguage(client.locale), status: 'standard' });
      }
      row.status = 'standard';
      row.progress = 0;
      row.lastError = null;
      await em.flush();
      await setProfileVoice(ctx, null);
      return stateOf(row);
    },

    async deleteVoice(ctx) {
      const em = deps.db.forTenant(ctx);
      const row = await em.findOne(VoiceClone, { client: clientCtx(ctx).clientId });
      if (!row) return;
      if (row.status === 'cloning') throw voiceError(VOICE_ERRORS.busy, 'your voice is being cloned', {}, 409);
      const wasSpeaking = row.status === 'ready';
      await enqueueDeletion(ctx, { engine: row.engine ?? null, voiceId: row.vendorVoiceId ?? null, prefix: prefixOf(row.id), keys: [] });
      em.remove(row);
      await em.flush();
      if (wasSpeaking) await setProfileVoice(ctx, null);
    },

    async preview(ctx) {
      const row = await rowOf(ctx);
      if (!row?.previewKey || row.status !== 'ready') throw voiceError(VOICE_ERRORS.notFound, 'no preview yet', {}, 404);
      const stat = await deps.storage.stat(ctx, row.previewKey);
      return { stream: await deps.storage.get(ctx, row.previewKey), contentType: row.previewContentType ?? stat.contentType, size: stat.size };
    },

    async forgetClient(ctx) {
      const row = await rowOf(ctx);
      if (row) await enqueueDeletion(ctx, { engine: row.engine ?? null, voiceId: row.vendorVoiceId ?? null, prefix: prefixOf(row.id), keys: [] });
    },
  };
}
