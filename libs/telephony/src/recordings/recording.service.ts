import { randomUUID } from 'node:crypto';
import { type WriteStream, createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type FileStorage } from '@tero/core';
import { AgentProfile, Brand, Call, CallRecording, Client, type Database, type RecordingStatus } from '@tero/db';
import { type TenantContext, TeroError } from '@tero/sdk';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CallSessionStore } from '../call-session.store';
import { firstProblem } from '../hook-payloads';
import { isListenCallSid } from './listen-auth';
import { DEFAULT_MAX_RECORDING_SECONDS, LISTEN_MIX_TYPES, LISTEN_SAMPLE_RATES, listenChannelsOf } from './listen-verb';
import { type PcmFormat, blockAlignOf, pcmDurationMs, wavHeader } from './wav';

/** Largest audio frame accepted: 250 ms of 64 kHz stereo; jambonz sends 20 ms frames (320 bytes at 8 kHz mono). */
export const DEFAULT_MAX_LISTEN_FRAME_BYTES = 64 * 1024;
/** The content type recordings are stored and served with. */
export const RECORDING_CONTENT_TYPE = 'audio/wav';

/** Close codes a stream gets from us. */
export const LISTEN_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** Bad metadata, a call we do not know, audio before metadata. */
  policy: 1008,
  /** A frame above the size limit. */
  tooBig: 1009,
  internal: 1011,
} as const;

const DAY_MS = 86_400_000;
/** The `bytes` column is a 32-bit integer. */
const MAX_COLUMN_BYTES = 2 ** 31 - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEMP_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.pcm$/;

/** The first (text) frame of a listen stream: jambonz's call info, plus the stream's format. */
const metadataSchema = z.object({
  callSid: z.string().min(1).max(64),
  sampleRate: z
    .number()
    .int()
    .refine((rate) => (LISTEN_SAMPLE_RATES as readonly number[]).includes(rate), { message: `must be one of ${LISTEN_SAMPLE_RATES.join(', ')}` }),
  // jambonz always sends it; its own default is mono.
  mixType: z.enum(LISTEN_MIX_TYPES).optional(),
});

/** The transport of one stream (a WebSocket), as the recording sees it. */
export interface ListenSocket {
  close(code: number, reason: string): void;
  /** Stop reading (the temporary file is behind); `resume` when it caught up. */
  pause(): void;
  resume(): void;
}

/** How a stream ended, for logs and tests. */
export type RecordingStreamOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'stored'; recordingId: string; callId: string; status: 'complete' | 'partial'; bytes: number; durationMs: number; partialReason: string | null }
  | { kind: 'discarded'; reason: string }
  | { kind: 'failed'; reason: string };

/** A recording as the API and pages show it. */
export interface RecordingView {
  id: string;
  callId: string;
  status: RecordingStatus;
  sampleRate: number;
  channels: number;
  bytes: number;
  durationMs: number;
  startedAt: Date;
  endedAt: Date | null;
  expiresAt: Date | null;
}

/** Bytes of a recording asked for: `start`..`end` (inclusive; `end` absent or past the file: to its end), or the last `suffix` bytes. */
export type RecordingByteRange = { start: number; end?: number } | { suffix: number };

/** A recording opened for playing: its WAV bytes (all, or the range asked for). */
export interface OpenedRecording {
  recording: RecordingView;
  stream: Readable;
  /** Bytes of the whole WAV file. */
  size: number;
  contentType: string;
  /** The bytes `stream` holds (inclusive), when a range was asked for. */
  range: { start: number; end: number } | null;
}

/** Where a client's recording files live in its file storage. */
const RECORDINGS_PREFIX = 'recordings/';
/** Keys looked up at once when checking files against their rows. */
const ORPHAN_LOOKUP_CHUNK = 500;

export interface RecordingSweepResult {
  /** Recordings past their retention, deleted (file then row). */
  expired: number;
  /** Streams a stopped process left on disk, stored as partial recordings. */
  recovered: number;
}

export interface RecordingServiceDeps {
  db: Database;
  storage: FileStorage;
  /** Where the call path keeps calls in progress: a stream's call is found here by its sid. */
  sessions: CallSessionStore;
  logger: Logger;
}

export interface RecordingServiceOptions {
  /** `DATA_DIR`: streams are written to `<dataDir>/tmp/recordings/<id>.pcm` until they end. */
  dataDir: string;
  /** `RECORDING_RETENTION_DAYS`: for clients whose agent sets none. */
  retentionDays: number;
  maxFrameBytes?: number;
  /** Audio beyond this is not kept (the stream is closed and the recording marked partial). */
  maxSeconds?: number;
  /** A stream that sends no metadata within this is closed. Default 10 s. */
  metadataTimeoutMs?: number;
  /**
   * How long a stream waits for its call's row, which the call path writes behind (within a second,
   * and another replica's within ~10 s). Default 15 s. A sid no session and no row knows is refused
   * after at most 2 s of it.
   */
  callWaitMs?: number;
  /** A temporary file not written for this long belongs to no live stream (see {@link RecordingService.sweep}). Default 10 min. */
  staleTempMs?: number;
  /** A recording file without its row is removed once it is this old (default an hour). */
  orphanGraceMs?: number;
  /** The time recordings start, end and expire at (tests move it); the real time when absent. */
  clock?: () => Date;
}

/** What a stream needs once its call is known. */
interface Attached {
  ctx: TenantContext;
  callId: string;
  storageKey: string;
  startedAt: Date;
}

class Refusal extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason);
  }
}

export class RecordingNotFoundError extends TeroError {
  constructor() {
    super('recordings.not_found', 'recording not found', {}, { status: 404 });
  }
}

export class RecordingInProgressError extends TeroError {
  constructor() {
    super('recordings.in_progress', 'the call is still being recorded; its recording can be played once the stream ends', {}, { status: 409 });
  }
}

export class RecordingRangeNotSatisfiableError extends TeroError {
  constructor(size: number) {
    super('recordings.range_not_satisfiable', `the range asked for is outside the recording's ${size} bytes`, { size }, { status: 416 });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Call recordings from jambonz `listen` streams, and what a client does with them afterwards.
 *
 * A stream ({@link RecordingStream}) is authenticated before it reaches here (its call sid comes from
 * its credentials). Its first text frame must be jambonz's metadata for that same call; its audio
 * frames are appended to a temporary file as they arrive (a call is never held in memory). The call is
 * found through the call path's session store (the Call row is written behind, so the stream waits for
 * it briefly before its CallRecording row is inserted as `recording`). When the stream ends the WAV
 * (header with the final sizes, then the audio) is stored under the client's files as
 * `recordings/<yyyy>/<mm>/<callId>/<recordingId>.wav`, and the row becomes `complete` — or `partial`
 * when the stream broke off (no normal close), sent a frame above the limit, or reached the length limit.
 * A stream that carried no audio leaves nothing.
 *
 * A second stream for the same call (jambonz reconnecting after a drop, or `listen` started again) is
 * recorded as another row of the call: a call's recordings are its segments in `startedAt` order.
 *
 * Retention: each recording expires its client's `recordingRetentionDays` (else the instance's
 * `RECORDING_RETENTION_DAYS`) after it ended; {@link sweep} deletes expired ones (file, then row) and
 * stores what a stopped process left in its temporary folder as partial recordings.
 */
export class RecordingService {
  readonly maxFrameBytes: number;
  readonly maxSeconds: number;
  private readonly tempDir: string;
  private readonly clock: () => Date;
  /** Streams of this process by recording id. */
  private readonly live = new Map<string, RecordingStream>();
  private closed = false;

  constructor(
    private readonly deps: RecordingServiceDeps,
    private readonly options: RecordingServiceOptions,
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_LISTEN_FRAME_BYTES;
    this.maxSeconds = options.maxSeconds ?? DEFAULT_MAX_RECORDING_SECONDS;
    this.tempDir = join(options.dataDir, 'tmp', 'recordings');
    this.clock = options.clock ?? (() => new Date());
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new Error('retentionDays must be a positive whole number');
  }

  /** A new stream for `callSid` (taken from its verified credentials). */
  stream(callSid: string, socket: ListenSocket): RecordingStream {
    if (!isListenCallSid(callSid)) throw new Error('a listen stream needs the call sid of its credentials');
    const stream = new RecordingStream(this.hostOf(), callSid, socket);
    if (this.closed) stream.refuse(LISTEN_CLOSE.goingAway, 'the server is shutting down');
    return stream;
  }

  /** Streams of this process still open. */
  get openStreams(): number {
    return this.live.size;
  }

  // ---- reading and deleting ----------------------------------------------------------------------

  /** The call's recordings, oldest first; 404 for a call the tenant cannot see. */
  async listForCall(ctx: TenantContext, callId: string): Promise<RecordingView[]> {
    const em = this.deps.db.forTenant(ctx);
    if (!UUID.test(callId) || !(await em.findOne(Call, { id: callId }, { fields: ['id'] }))) throw new RecordingNotFoundError();
    const rows = await em.find(CallRecording, { call: callId }, { orderBy: { startedAt: 'asc', id: 'asc' } });
    return rows.map(viewOf);
  }

  async get(ctx: TenantContext, id: string): Promise<RecordingView> {
    return viewOf(await this.row(ctx, id));
  }

  /**
   * The WAV of a finished recording, whole or the byte range asked for (`end` past the file is clipped;
   * a `start` past it, or an empty suffix, is 416). 404 for another tenant's id; 409 while it is recorded.
   */
  async open(ctx: TenantContext, id: string, range?: RecordingByteRange): Promise<OpenedRecording> {
    const row = await this.row(ctx, id);
    if (row.status === 'recording') throw new RecordingInProgressError();
    const fileCtx = fileContextOf(row, ctx.locale);
    let size: number;
    try {
      size = (await this.deps.storage.stat(fileCtx, row.storageKey)).size;
    } catch (error) {
      if (error instanceof TeroError && error.code === 'storage.not_found') throw new RecordingNotFoundError();
      throw error;
    }
    let slice: { start: number; end: number } | null = null;
    if (range) {
      const start = 'suffix' in range ? size - Math.min(range.suffix, size) : range.start;
      const end = 'suffix' in range ? size - 1 : Math.min(range.end ?? size - 1, size - 1);
      const suffixOk = !('suffix' in range) || (Number.isInteger(range.suffix) && range.suffix > 0);
      if (!suffixOk || !Number.isInteger(start) || start < 0 || start >= size || end < start) throw new RecordingRangeNotSatisfiableError(size);
      slice = { start, end };
    }
    const whole = await this.deps.storage.get(fileCtx, row.storageKey);
    const stream = slice ? Readable.from(sliceOf(whole, slice.start, slice.end), { objectMode: false }) : whole;
    return { recording: viewOf(row), stream, size, contentType: RECORDING_CONTENT_TYPE, range: slice };
  }

  /** Deletes one recording on request: the file, then the row (a stream still open for it is closed and dropped). */
  async deleteRecording(ctx: TenantContext, id: string): Promise<void> {
    await this.remove(await this.row(ctx, id));
  }

  /** Deletes every recording of a call on request; how many. 404 for a call the tenant cannot see; 0 when it has none (left). */
  async deleteForCall(ctx: TenantContext, callId: string): Promise<number> {
    const em = this.deps.db.forTenant(ctx);
    if (!UUID.test(callId) || !(await em.findOne(Call, { id: callId }, { fields: ['id'] }))) throw new RecordingNotFoundError();
    const rows = await em.find(CallRecording, { call: callId });
    for (const row of rows) await this.remove(row);
    for (const stream of this.live.values()) if (stream.callId === callId) stream.discard();
    return rows.length;
  }

  private async row(ctx: TenantContext, id: string): Promise<CallRecording> {
    if (typeof id !== 'string' || !UUID.test(id)) throw new RecordingNotFoundError();
    const row = await this.deps.db.forTenant(ctx).findOne(CallRecording, { id });
    if (!row) throw new RecordingNotFoundError();
    return row;
  }

  private async remove(row: CallRecording): Promise<void> {
    this.live.get(row.id)?.discard();
    await this.deps.storage.delete(fileContextOf(row), row.storageKey);
    await this.deps.db.forTenant(fileContextOf(row)).nativeDelete(CallRecording, { id: row.id });
  }

  // ---- retention ---------------------------------------------------------------------------------

  /**
   * Deletes the recordings past their `expiresAt` (file, then row; a file already gone is fine), and
   * stores as partial recordings the temporary files a stopped process left behind (not written for
   * {@link RecordingServiceOptions.staleTempMs}; a file whose row is gone or already finished is removed).
   * Safe to run anywhere, any number of times.
   */
  async sweep(): Promise<RecordingSweepResult> {
    const now = this.clock();
    let expired = 0;
    const em = this.deps.db.forInstance('recordings retention: expired recordings of every tenant');
    for (;;) {
      const live = [...this.live.keys()];
      // A stream still writing is left alone; one whose recording is already stored (finishing its clean-up) is not.
      const notWriting = live.length ? { $or: [{ status: { $ne: 'recording' as const } }, { id: { $nin: live } }] } : {};
      const rows = await em.find(CallRecording, { expiresAt: { $lte: now }, ...notWriting }, { limit: 200, orderBy: { expiresAt: 'asc', id: 'asc' } });
      for (const row of rows) {
        await this.deps.storage.delete(fileContextOf(row), row.storageKey);
        await em.nativeDelete(CallRecording, { id: row.id });
        expired++;
      }
      em.clear();
      if (rows.length < 200) break;
    }
    return { expired, recovered: await this.recoverLeftovers() };
  }

  /**
   * Recording files no row points at any more (their call, hence their recording row, was deleted; or a
   * crash between deleting a file's row and the file), removed client by client through each client's
   * own listing of `recordings/`. A file younger than {@link RecordingServiceOptions.orphanGraceMs} is
   * left alone: a row is written before its file, so a young file without one is no orphan yet but a
   * listing racing a deletion in progress.
   */
  async sweepOrphans(): Promise<{ clients: number; files: number; removed: number }> {
    const graceMs = this.options.orphanGraceMs ?? 60 * 60_000;
    // The storage stamps files with the wall clock, so their age is read on it.
    const before = Date.now() - graceMs;
    const instance = this.deps.db.forInstance('recordings: the clients whose recording files are checked for orphans');
    const clients = await instance.find(Client, {}, { fields: ['id', 'brand'], orderBy: { id: 'asc' } });
    const result = { clients: 0, files: 0, removed: 0 };
    for (const client of clients) {
      const ctx: TenantContext = { brandId: client.brand.id, clientId: client.id, locale: 'en' };
      const files = (await this.deps.storage.list(ctx, RECORDINGS_PREFIX)).filter((file) => file.modifiedAt.getTime() <= before);
      if (!files.length) continue;
      result.clients++;
      result.files += files.length;
      const em = this.deps.db.forTenant(ctx);
      for (let i = 0; i < files.length; i += ORPHAN_LOOKUP_CHUNK) {
        const keys = files.slice(i, i + ORPHAN_LOOKUP_CHUNK).map((file) => file.key);
        const known = new Set((await em.find(CallRecording, { storageKey: { $in: keys } }, { fields: ['id', 'storageKey'] })).map((row) => row.storageKey));
        for (const key of keys) {
          if (known.has(key)) continue;
          await this.deps.storage.delete(ctx, key);
          result.removed++;
          this.deps.logger.info({ brandId: ctx.brandId, clientId: ctx.clientId, key }, 'recording file without its recording removed');
        }
      }
      em.clear();
    }
    return result;
  }

  private async recoverLeftovers(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tempDir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return 0;
      throw error;
    }
    const staleMs = this.options.staleTempMs ?? 10 * 60_000;
    let recovered = 0;
    for (const name of names) {
      const id = TEMP_FILE.exec(name)?.[1];
      if (!id || this.live.has(id)) continue;
      const path = join(this.tempDir, name);
      const info = await stat(path).catch(() => null);
      if (!info || Date.now() - info.mtimeMs < staleMs) continue;
      const row = await this.deps.db.forInstance('recordings: a stream a stopped process left').findOne(CallRecording, { id });
      if (!row || row.status !== 'recording') {
        await rm(path, { force: true });
        continue;
      }
      const format = { sampleRate: row.sampleRate, channels: row.channels };
      const attached: Attached = { ctx: fileContextOf(row), callId: row.call.id, storageKey: row.storageKey, startedAt: row.startedAt };
      // Its last write is when the stream ended (a Date of this realm, not the one fs.Stats carries).
      const outcome = await this.store(id, path, format, info.size, attached, 'partial', 'left on disk by a stopped process', new Date(info.mtimeMs));
      if (outcome.kind === 'stored') {
        recovered++;
        this.deps.logger.warn({ recordingId: id, callId: row.call.id, bytes: outcome.bytes }, 'a listen stream a stopped process left on disk was kept as a partial recording');
      }
    }
    return recovered;
  }

  /** Ends every open stream as partial (the server is stopping) and waits until each is stored. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live.values()].map((stream) => stream.shutdown()));
  }

  // ---- what streams use --------------------------------------------------------------------------

  private hostOf(): StreamHost {
    return {
      maxFrameBytes: this.maxFrameBytes,
      maxSeconds: this.maxSeconds,
      metadataTimeoutMs: this.options.metadataTimeoutMs ?? 10_000,
      tempPathOf: (id) => {
        mkdirSync(this.tempDir, { recursive: true, mode: 0o700 });
        return join(this.tempDir, `${id}.pcm`);
      },
      track: (stream) => this.live.set(stream.id, stream),
      forget: (stream) => this.live.delete(stream.id),
      attach: (stream, format) => this.attach(stream, format),
      store: (stream, path, format, fileBytes, attached, status, partialReason) => this.store(stream.id, path, format, fileBytes, attached, status, partialReason, this.clock()),
      dropRow: (id, ctx) => this.deps.db.forTenant(ctx).nativeDelete(CallRecording, { id }).then(() => undefined),
      logger: this.deps.logger,
    };
  }

  /** Finds the stream's call, waits for its row, and inserts the recording's row (`recording`). */
  private async attach(stream: RecordingStream, format: PcmFormat): Promise<Attached> {
    const started = Date.now();
    const waitMs = this.options.callWaitMs ?? 15_000;
    const unknownAfterMs = Math.min(waitMs, 2_000);
    let call: { callId: string; brandId: string; clientId: string } | null = null;
    for (let attempt = 0; ; attempt++) {
      call ??= await this.findCall(stream.callSid);
      if (call) {
        stream.callId = call.callId;
        const ctx = { brandId: call.brandId, clientId: call.clientId, locale: 'en' };
        if ((await this.deps.db.forTenant(ctx).count(Call, { id: call.callId })) > 0) break;
      }
      const waited = Date.now() - started;
      if (!call && waited >= unknownAfterMs) throw new Refusal(LISTEN_CLOSE.policy, 'unknown call');
      if (waited >= waitMs) throw new Refusal(LISTEN_CLOSE.internal, 'the call record is not written yet; try again');
      await sleep(Math.min(50 * 2 ** attempt, 500));
    }
    const ctx: TenantContext = { brandId: call.brandId, clientId: call.clientId, locale: 'en' };
    const startedAt = this.clock();
    const storageKey = `${RECORDINGS_PREFIX}${startedAt.getUTCFullYear()}/${String(startedAt.getUTCMonth() + 1).padStart(2, '0')}/${call.callId}/${stream.id}.wav`;
    const em = this.deps.db.forTenant(ctx);
    const days = await this.retentionDaysOf(ctx);
    em.create(CallRecording, {
      id: stream.id,
      brand: em.getReference(Brand, call.brandId),
      client: em.getReference(Client, call.clientId),
      call: em.getReference(Call, call.callId),
      storageKey,
      status: 'recording',
      sampleRate: format.sampleRate,
      channels: format.channels,
      startedAt,
      // Set now so that a row a crash leaves behind still expires.
      expiresAt: new Date(startedAt.getTime() + days * DAY_MS),
    });
    await em.flush();
    return { ctx, callId: call.callId, storageKey, startedAt };
  }

  /** The call a sid belongs to: from the session store (a call in progress), else its row. */
  private async findCall(callSid: string): Promise<{ callId: string; brandId: string; clientId: string } | null> {
    const session = await this.deps.sessions.get(callSid);
    if (session) return { callId: session.callId, brandId: session.brandId, clientId: session.clientId };
    const row = await this.deps.db.forInstance('recordings: the call of an authenticated listen stream').findOne(Call, { callSid }, { fields: ['id', 'brand', 'client'] });
    return row ? { callId: row.id, brandId: row.brand.id, clientId: row.client.id } : null;
  }

  private async retentionDaysOf(ctx: TenantContext): Promise<number> {
    const profile = await this.deps.db.forTenant(ctx).findOne(AgentProfile, { client: ctx.clientId! }, { fields: ['recordingRetentionDays'] });
    const days = profile?.recordingRetentionDays;
    return typeof days === 'number' && Number.isInteger(days) && days >= 1 ? days : this.options.retentionDays;
  }

  /**
   * Stores the WAV of a finished stream and marks its row. The row must still be `recording`: a row
   * deleted on request meanwhile means the file is deleted again. On failure (storage or database away)
   * the temporary file and the row stay, and a later {@link sweep} stores them as partial.
   */
  private async store(
    id: string,
    path: string,
    format: PcmFormat,
    fileBytes: number,
    attached: Attached,
    status: 'complete' | 'partial',
    partialReason: string | null,
    endedAt: Date,
  ): Promise<RecordingStreamOutcome> {
    const blockAlign = blockAlignOf(format);
    const bytes = Math.floor(Math.min(fileBytes, MAX_COLUMN_BYTES) / blockAlign) * blockAlign;
    const em = this.deps.db.forTenant(attached.ctx);
    try {
      if (bytes === 0) {
        await em.nativeDelete(CallRecording, { id });
        await rm(path, { force: true });
        return { kind: 'discarded', reason: 'the stream carried no audio' };
      }
      await this.deps.storage.put(attached.ctx, attached.storageKey, Readable.from(wavBytes(path, format, bytes)), { contentType: RECORDING_CONTENT_TYPE });
      const durationMs = pcmDurationMs(bytes, format);
      const expiresAt = new Date(endedAt.getTime() + (await this.retentionDaysOf(attached.ctx)) * DAY_MS);
      const updated = await em.nativeUpdate(CallRecording, { id, status: 'recording' }, { status, bytes, durationMs, endedAt, expiresAt, updatedAt: new Date() });
      if (updated === 0) {
        await this.deps.storage.delete(attached.ctx, attached.storageKey);
        await rm(path, { force: true });
        return { kind: 'discarded', reason: 'the recording was deleted on request while it was made' };
      }
      await rm(path, { force: true });
      return { kind: 'stored', recordingId: id, callId: attached.callId, status, bytes, durationMs, partialReason };
    } catch (error) {
      this.deps.logger.error({ err: error, recordingId: id, callId: attached.callId }, 'storing a recording failed; its audio stays on disk for the retention sweep to store');
      return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** What a stream needs from the service. */
interface StreamHost {
  maxFrameBytes: number;
  maxSeconds: number;
  metadataTimeoutMs: number;
  tempPathOf(id: string): string;
  track(stream: RecordingStream): void;
  forget(stream: RecordingStream): void;
  attach(stream: RecordingStream, format: PcmFormat): Promise<Attached>;
  store(stream: RecordingStream, path: string, format: PcmFormat, fileBytes: number, attached: Attached, status: 'complete' | 'partial', partialReason: string | null): Promise<RecordingStreamOutcome>;
  dropRow(id: string, ctx: TenantContext): Promise<void>;
  logger: Logger;
}

/**
 * One listen stream: metadata first, then audio frames to a temporary file, then the stored WAV. Feed it
 * the socket's frames ({@link message}), a frame the transport refused as too large ({@link oversize}),
 * and the close ({@link closed}); it answers through its {@link ListenSocket}.
 */
export class RecordingStream {
  /** The recording's id (its row, its temporary file). */
  readonly id = randomUUID();
  /** Known once the stream's call is found. */
  callId: string | null = null;
  private state: 'awaiting' | 'open' | 'ending' | 'done' = 'awaiting';
  private refusal: Refusal | null = null;
  private partialReason: string | null = null;
  private discarded = false;
  private format: PcmFormat | null = null;
  private maxBytes = 0;
  private written = 0;
  private file: WriteStream | null = null;
  private path: string | null = null;
  private fileError: Error | null = null;
  private paused = false;
  private attached: Promise<Attached | null> | null = null;
  private finished: Promise<RecordingStreamOutcome> | null = null;
  private readonly metadataTimer: NodeJS.Timeout;

  constructor(
    private readonly host: StreamHost,
    readonly callSid: string,
    private readonly socket: ListenSocket,
  ) {
    this.metadataTimer = setTimeout(() => this.refuse(LISTEN_CLOSE.policy, 'no metadata frame in time'), host.metadataTimeoutMs);
    this.metadataTimer.unref();
  }

  /** One WebSocket message: the metadata (the first, text), then audio (binary); later text frames are ignored. */
  message(data: Buffer, isBinary: boolean): void {
    if (this.state === 'awaiting') {
      if (isBinary) this.refuse(LISTEN_CLOSE.policy, 'the first frame must be the call metadata (JSON text)');
      else this.begin(data.toString('utf8'));
      return;
    }
    if (this.state === 'open' && isBinary) this.write(data);
  }

  /** The transport refused a frame above {@link RecordingService.maxFrameBytes} (and closes with 1009 itself). */
  oversize(): void {
    this.partialReason ??= `a frame was larger than ${this.host.maxFrameBytes} bytes`;
    if (this.state === 'open') this.state = 'ending';
  }

  /** The socket closed with `code` (1000/1005: a normal end; anything else: it broke off). Resolves once the recording is stored. */
  closed(code: number): Promise<RecordingStreamOutcome> {
    this.finished ??= this.finish(code);
    return this.finished;
  }

  /** Closes the stream as the server stops: what was recorded is kept as partial. */
  shutdown(): Promise<RecordingStreamOutcome> {
    if (this.state === 'open') this.partialReason ??= 'the server stopped during the call';
    this.close(LISTEN_CLOSE.goingAway, 'the server is shutting down');
    return this.closed(LISTEN_CLOSE.goingAway);
  }

  /** The recording was deleted on request while it is made: stop, and keep nothing. */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.close(LISTEN_CLOSE.normal, 'recording deleted on request');
  }

  /** Closes the stream with `code`: before its metadata, nothing is kept; once open (its call unknown), nothing either. */
  refuse(code: number, reason: string): void {
    this.refusal ??= new Refusal(code, reason);
    if (this.state === 'done') return;
    // Refused before it opened: later frames (the metadata among them) are not looked at.
    this.state = this.state === 'awaiting' ? 'done' : 'ending';
    this.close(code, reason);
  }

  private close(code: number, reason: string): void {
    try {
      this.socket.close(code, reason.slice(0, 120));
    } catch (error) {
      this.host.logger.warn({ err: error, callSid: this.callSid }, 'closing a listen stream failed');
    }
  }

  private begin(text: string): void {
    clearTimeout(this.metadataTimer);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.refuse(LISTEN_CLOSE.policy, 'metadata: not JSON');
      return;
    }
    const parsed = metadataSchema.safeParse(json);
    if (!parsed.success) {
      const { field, reason } = firstProblem(parsed.error);
      this.refuse(LISTEN_CLOSE.policy, `metadata ${field}: ${reason}`);
      return;
    }
    if (parsed.data.callSid !== this.callSid) {
      this.refuse(LISTEN_CLOSE.policy, 'metadata callSid: is not the call these credentials open');
      return;
    }
    this.format = { sampleRate: parsed.data.sampleRate, channels: listenChannelsOf(parsed.data.mixType ?? 'mono') };
    const blockAlign = blockAlignOf(this.format);
    this.maxBytes = Math.floor(Math.min(this.host.maxSeconds * this.format.sampleRate * blockAlign, MAX_COLUMN_BYTES) / blockAlign) * blockAlign;
    this.state = 'open';
    this.host.track(this);
    try {
      this.path = this.host.tempPathOf(this.id);
      this.file = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    } catch (error) {
      this.failWrite(error as Error);
      return;
    }
    this.file.on('error', (error) => this.failWrite(error));
    this.attached = this.host.attach(this, this.format).catch((error: unknown) => {
      if (error instanceof Refusal) this.refuse(error.code, error.message);
      else {
        this.host.logger.error({ err: error, callSid: this.callSid }, 'a listen stream could not be attached to its call');
        this.refuse(LISTEN_CLOSE.internal, 'internal error');
      }
      return null;
    });
  }

  private write(frame: Buffer): void {
    if (frame.length > this.host.maxFrameBytes) {
      this.partialReason ??= `a frame was larger than ${this.host.maxFrameBytes} bytes`;
      this.state = 'ending';
      this.close(LISTEN_CLOSE.tooBig, `frame larger than ${this.host.maxFrameBytes} bytes`);
      return;
    }
    const room = this.maxBytes - this.written;
    const chunk = frame.length > room ? frame.subarray(0, room) : frame;
    if (chunk.length > 0) {
      this.written += chunk.length;
      if (!this.file!.write(chunk) && !this.paused) {
        // The disk is behind: stop reading the socket (TCP pushes back on jambonz) until it caught up.
        this.paused = true;
        this.socket.pause();
        this.file!.once('drain', () => {
          this.paused = false;
          this.socket.resume();
        });
      }
    }
    if (this.written >= this.maxBytes) {
      this.partialReason ??= `the recording reached its ${this.host.maxSeconds} s limit`;
      this.state = 'ending';
      this.close(LISTEN_CLOSE.normal, 'maximum recording length reached');
    }
  }

  private failWrite(error: Error): void {
    if (this.fileError) return;
    this.fileError = error;
    this.host.logger.error({ err: error, callSid: this.callSid }, 'writing a listen stream to disk failed');
    this.partialReason ??= 'writing the audio to disk failed';
    if (this.state === 'open') this.state = 'ending';
    this.close(LISTEN_CLOSE.internal, 'internal error');
  }

  private async finish(code: number): Promise<RecordingStreamOutcome> {
    clearTimeout(this.metadataTimer);
    const wasOpen = this.state === 'open' || this.state === 'ending';
    this.state = 'done';
    if (!wasOpen) return { kind: 'refused', reason: this.refusal?.message ?? 'closed before its metadata' };
    try {
      if (this.paused) this.socket.resume();
      await endFile(this.file);
      const attached = await this.attached;
      const path = this.path;
      if (!attached || !path) {
        if (path) await rm(path, { force: true });
        return { kind: 'refused', reason: this.refusal?.message ?? 'not attached to a call' };
      }
      if (this.discarded) {
        await this.host.dropRow(this.id, attached.ctx);
        await rm(path, { force: true });
        return { kind: 'discarded', reason: 'deleted on request' };
      }
      const onDisk = await stat(path).then(
        (info) => info.size,
        () => 0,
      );
      const normal = code === LISTEN_CLOSE.normal || code === 1005;
      const status = this.partialReason || !normal ? 'partial' : 'complete';
      const partialReason = status === 'partial' ? (this.partialReason ?? `the stream broke off (close code ${code})`) : null;
      return await this.host.store(this, path, this.format!, Math.min(onDisk, this.written), attached, status, partialReason);
    } finally {
      this.host.forget(this);
    }
  }
}

/** Ends a temporary file's stream and waits until it is closed (errors were reported by its listener). */
function endFile(file: WriteStream | null): Promise<void> {
  if (!file || file.closed || file.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    file.once('close', () => resolve());
    file.end();
  });
}

/** The WAV file: its header for `bytes` of audio, then the first `bytes` of the temporary file. */
async function* wavBytes(path: string, format: PcmFormat, bytes: number): AsyncGenerator<Buffer> {
  yield wavHeader(format, bytes);
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) yield chunk as Buffer;
}

/** Bytes `start`..`end` (inclusive) of a stream; the source is closed once they are out. */
async function* sliceOf(source: Readable, start: number, end: number): AsyncGenerator<Buffer> {
  let position = 0;
  for await (const data of source) {
    const chunk = data as Buffer;
    const from = Math.max(start - position, 0);
    const to = Math.min(end + 1 - position, chunk.length);
    position += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    if (position > end) break;
  }
}

/** The tenant a recording's file lives under: its own client's. */
function fileContextOf(row: CallRecording, locale = 'en'): TenantContext {
  return { brandId: row.brand.id, clientId: row.client.id, locale };
}

function viewOf(row: CallRecording): RecordingView {
  return {
    id: row.id,
    callId: row.call.id,
    status: row.status,
    sampleRate: row.sampleRate,
    channels: row.channels,
    bytes: row.bytes,
    durationMs: row.durationMs,
    startedAt: row.startedAt,
    endedAt: row.endedAt ?? null,
    expiresAt: row.expiresAt ?? null,
  };
}
