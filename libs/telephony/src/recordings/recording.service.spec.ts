import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type FileStorage, LocalDiskFileStorage } from '@tero/core';
import { AgentProfile, Brand, Call, CallRecording, Client } from '@tero/db';
import { type TenantContext, TeroError } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { type CallSession, MemoryCallSessionStore } from '../call-session.store';
import { LISTEN_CLOSE, type ListenSocket, RecordingService, type RecordingServiceOptions } from './recording.service';
import { readWavHeader } from './wav';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const DAY = 86_400_000;
const logger = pino({ level: process.env.SPEC_LOG ?? 'silent' });

/** A socket as the service sees it, remembering how it was closed. */
class FakeSocket implements ListenSocket {
  closes: { code: number; reason: string }[] = [];
  pauses = 0;
  resumes = 0;
  private waiters: ((close: { code: number; reason: string }) => void)[] = [];
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    for (const waiter of this.waiters.splice(0)) waiter({ code, reason });
  }
  /** Resolves with the first close the service asks for (now, or already asked). */
  firstClose(): Promise<{ code: number; reason: string }> {
    return this.closes[0] ? Promise.resolve(this.closes[0]) : new Promise((resolve) => this.waiters.push(resolve));
  }
  pause(): void {
    this.pauses++;
  }
  resume(): void {
    this.resumes++;
  }
}

/** `count` frames of 20 ms of a 440 Hz tone, L16 little-endian, the same sample on every channel. */
function toneFrames(count: number, sampleRate = 8000, channels = 1): Buffer[] {
  const perFrame = sampleRate / 50;
  const frames: Buffer[] = [];
  let n = 0;
  for (let f = 0; f < count; f++) {
    const frame = Buffer.alloc(perFrame * channels * 2);
    for (let i = 0; i < perFrame; i++, n++) {
      const sample = Math.round(Math.sin((2 * Math.PI * 440 * n) / sampleRate) * 12_000);
      for (let c = 0; c < channels; c++) frame.writeInt16LE(sample, (i * channels + c) * 2);
    }
    frames.push(frame);
  }
  return frames;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(kinds)('recordings from listen streams on %s', (kind) => {
  let t: TestDatabase;
  let storage: FileStorage;
  let sessions: MemoryCallSessionStore;
  let now = Date.parse('2026-05-04T10:00:00Z');
  const clock = () => new Date(now);
  let ctxA: TenantContext;
  let ctxB: TenantContext;
  let brandCtx: TenantContext;
  const services: RecordingService[] = [];

  const service = (options: Partial<RecordingServiceOptions> = {}, store: FileStorage = storage) => {
    const created = new RecordingService({ db: t.db, storage: store, sessions, logger }, { dataDir: t.dataDir, retentionDays: 90, callWaitMs: 3000, metadataTimeoutMs: 5000, clock, ...options });
    services.push(created);
    return created;
  };
  const tempFiles = () => {
    try {
      return readdirSync(join(t.dataDir, 'tmp', 'recordings'));
    } catch {
      return [];
    }
  };
  const em = () => t.db.forInstance('spec assertions');

  /** A call of `ctx`'s client: its row (unless `rowLater`) and its session (unless `noSession`). */
  async function newCall(ctx: TenantContext, options: { noRow?: boolean; noSession?: boolean } = {}) {
    const callSid = randomUUID();
    const callId = randomUUID();
    const row = () => {
      const e = t.db.forTenant(ctx);
      e.create(Call, { id: callId, brand: e.getReference(Brand, ctx.brandId), client: e.getReference(Client, ctx.clientId!), callSid, fromNumber: '+15550001111', toNumber: '+15550002222', route: 'open', startedAt: clock() });
      return e.flush();
    };
    if (!options.noRow) await row();
    if (!options.noSession) await sessions.set(sessionOf(callSid, callId, ctx));
    return { callSid, callId, writeRow: row };
  }

  const metadata = (callSid: string, extra: Record<string, unknown> = {}) =>
    Buffer.from(JSON.stringify({ callSid, from: '+15550001111', to: '+15550002222', direction: 'inbound', sampleRate: 8000, mixType: 'mono', ...extra }));

  /** Plays a whole stream: metadata, frames, close code; returns the outcome and the socket. */
  async function play(svc: RecordingService, callSid: string, frames: Buffer[], code = 1000, meta = metadata(callSid)) {
    const socket = new FakeSocket();
    const stream = svc.stream(callSid, socket);
    stream.message(meta, false);
    for (const frame of frames) stream.message(frame, true);
    const outcome = await stream.closed(code);
    return { outcome, socket, stream };
  }

  async function storedWav(recordingId: string) {
    const row = await em().findOneOrFail(CallRecording, { id: recordingId });
    const bytes = await readAll(await storage.get({ brandId: row.brand.id, clientId: row.client.id, locale: 'en' }, row.storageKey));
    return { row, bytes, wav: readWavHeader(bytes, bytes.length) };
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    storage = new LocalDiskFileStorage({ dataDir: t.dataDir });
    sessions = new MemoryCallSessionStore();
    const e = t.db.forInstance('spec seed');
    const brand = e.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const clientA = e.create(Client, { brand, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'America/New_York' });
    const clientB = e.create(Client, { brand, name: 'Plumbing', slug: 'plumbing', professionPack: 'plumber', timezone: 'America/New_York' });
    const hours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    const policies = { afterHours: 'voicemail', holiday: 'voicemail', suspended: 'message', quotaExceeded: 'message', emergency: 'message' } as const;
    e.create(AgentProfile, { brand, client: clientA, hours, services: [], faq: [], policies, recordCalls: true, recordingRetentionDays: 30 });
    e.create(AgentProfile, { brand, client: clientB, hours, services: [], faq: [], policies, recordCalls: true });
    await e.flush();
    ctxA = { brandId: brand.id, clientId: clientA.id, locale: 'en' };
    ctxB = { brandId: brand.id, clientId: clientB.id, locale: 'en' };
    brandCtx = { brandId: brand.id, clientId: null, locale: 'en' };
  });
  afterAll(async () => {
    for (const svc of services) await svc.close();
    await t.drop();
  });

  it('stores a normally closed stream as a complete WAV of exactly the frames, linked to the call, expiring with the client’s retention', async () => {
    const svc = service();
    const { callSid, callId } = await newCall(ctxA);
    const frames = toneFrames(50);
    const { outcome, socket } = await play(svc, callSid, frames);
    expect(socket.closes).toEqual([]);
    expect(outcome).toMatchObject({ kind: 'stored', callId, status: 'complete', bytes: 16_000, durationMs: 1000, partialReason: null });
    if (outcome.kind !== 'stored') throw new Error('not stored');
    const { row, bytes, wav } = await storedWav(outcome.recordingId);
    expect(wav).toMatchObject({ audioFormat: 1, sampleRate: 8000, channels: 1, bitsPerSample: 16, dataOffset: 44, dataBytes: 16_000, durationMs: 1000 });
    expect(bytes.subarray(44).equals(Buffer.concat(frames))).toBe(true);
    expect(row).toMatchObject({ status: 'complete', sampleRate: 8000, channels: 1, bytes: 16_000, durationMs: 1000 });
    expect(row.call.id).toBe(callId);
    expect(row.client.id).toBe(ctxA.clientId);
    expect(row.storageKey).toBe(`recordings/2026/05/${callId}/${outcome.recordingId}.wav`);
    expect(row.endedAt!.getTime()).toBe(now);
    // Client A's agent keeps recordings 30 days; client B's falls back on the instance's 90.
    expect(row.expiresAt!.getTime()).toBe(now + 30 * DAY);
    const b = await newCall(ctxB);
    const other = await play(svc, b.callSid, toneFrames(5));
    if (other.outcome.kind !== 'stored') throw new Error('not stored');
    expect((await storedWav(other.outcome.recordingId)).row.expiresAt!.getTime()).toBe(now + 90 * DAY);
    expect(tempFiles()).toEqual([]);
    expect(svc.openStreams).toBe(0);
  });

  it('keeps a stream that broke off mid-call as a playable partial recording', async () => {
    const svc = service();
    const { callSid } = await newCall(ctxA);
    const { outcome } = await play(svc, callSid, toneFrames(30, 16_000, 2), 1006, metadata(callSid, { sampleRate: 16_000, mixType: 'stereo' }));
    expect(outcome).toMatchObject({ kind: 'stored', status: 'partial', bytes: 30 * 1280, durationMs: 600, partialReason: 'the stream broke off (close code 1006)' });
    if (outcome.kind !== 'stored') throw new Error('not stored');
    const { row, wav } = await storedWav(outcome.recordingId);
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 2, blockAlign: 4, dataBytes: 38_400, durationMs: 600 });
    expect(row).toMatchObject({ status: 'partial', channels: 2 });
  });

  it('closes on an oversize frame with 1009 and keeps what came before as partial', async () => {
    const svc = service({ maxFrameBytes: 4096 });
    const { callSid } = await newCall(ctxA);
    const socket = new FakeSocket();
    const stream = svc.stream(callSid, socket);
    stream.message(metadata(callSid), false);
    for (const frame of toneFrames(10)) stream.message(frame, true);
    stream.message(Buffer.alloc(4097), true);
    stream.message(toneFrames(1)[0]!, true);
    expect(socket.closes).toEqual([{ code: LISTEN_CLOSE.tooBig, reason: 'frame larger than 4096 bytes' }]);
    const outcome = await stream.closed(1009);
    expect(outcome).toMatchObject({ kind: 'stored', status: 'partial', bytes: 3200, partialReason: 'a frame was larger than 4096 bytes' });
    // The same when the transport refused the frame itself (ws's maxPayload) and only says so.
    const again = await newCall(ctxA);
    const refused = svc.stream(again.callSid, new FakeSocket());
    refused.message(metadata(again.callSid), false);
    refused.message(toneFrames(1)[0]!, true);
    refused.oversize();
    expect(await refused.closed(1000)).toMatchObject({ kind: 'stored', status: 'partial', bytes: 320 });
  });

  it('stops at the maximum length: the audio up to it is kept, marked partial', async () => {
    const svc = service({ maxSeconds: 1 });
    const { callSid } = await newCall(ctxA);
    const { outcome, socket } = await play(svc, callSid, toneFrames(60));
    expect(socket.closes).toEqual([{ code: 1000, reason: 'maximum recording length reached' }]);
    expect(outcome).toMatchObject({ kind: 'stored', status: 'partial', bytes: 16_000, durationMs: 1000, partialReason: 'the recording reached its 1 s limit' });
  });

  it('refuses a stream without good metadata for its own call, writing nothing', async () => {
    const svc = service({ metadataTimeoutMs: 50 });
    const { callSid, callId } = await newCall(ctxA);
    const cases: [Buffer, boolean, string][] = [
      [toneFrames(1)[0]!, true, 'the first frame must be the call metadata (JSON text)'],
      [Buffer.from('{not json'), false, 'metadata: not JSON'],
      [metadata(callSid, { sampleRate: 11_025 }), false, 'metadata sampleRate: must be one of 8000, 16000, 24000, 32000, 44100, 48000, 64000'],
      [metadata(callSid, { mixType: 'surround' }), false, 'metadata mixType:'],
      [Buffer.from(JSON.stringify({ sampleRate: 8000 })), false, 'metadata callSid: is required'],
      [metadata(randomUUID()), false, 'metadata callSid: is not the call these credentials open'],
    ];
    for (const [frame, binary, reason] of cases) {
      const socket = new FakeSocket();
      const stream = svc.stream(callSid, socket);
      stream.message(frame, binary);
      // Whatever follows a refusal is not looked at, metadata included.
      stream.message(metadata(callSid), false);
      stream.message(toneFrames(1)[0]!, true);
      expect(socket.closes).toHaveLength(1);
      expect(socket.closes[0]!.code).toBe(1008);
      expect(socket.closes[0]!.reason).toContain(reason);
      expect(await stream.closed(1008)).toMatchObject({ kind: 'refused' });
    }
    const silent = new FakeSocket();
    const stream = svc.stream(callSid, silent);
    expect(await silent.firstClose()).toEqual({ code: 1008, reason: 'no metadata frame in time' });
    expect(await stream.closed(1008)).toEqual({ kind: 'refused', reason: 'no metadata frame in time' });
    expect(await em().count(CallRecording, { call: callId })).toBe(0);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses a stream for a call nobody knows, keeping nothing of its audio', async () => {
    const svc = service();
    const callSid = randomUUID();
    const socket = new FakeSocket();
    const stream = svc.stream(callSid, socket);
    stream.message(metadata(callSid), false);
    for (const frame of toneFrames(5)) stream.message(frame, true);
    expect(await socket.firstClose()).toEqual({ code: 1008, reason: 'unknown call' });
    expect(await stream.closed(1008)).toEqual({ kind: 'refused', reason: 'unknown call' });
    expect(tempFiles()).toEqual([]);
  });

  it('waits for a call row written behind, and finds a call by its row once its session is gone', async () => {
    const svc = service();
    const late = await newCall(ctxA, { noRow: true });
    const socket = new FakeSocket();
    const stream = svc.stream(late.callSid, socket);
    stream.message(metadata(late.callSid), false);
    for (const frame of toneFrames(3)) stream.message(frame, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await late.writeRow();
    for (const frame of toneFrames(2)) stream.message(frame, true);
    expect(await stream.closed(1000)).toMatchObject({ kind: 'stored', callId: late.callId, status: 'complete', bytes: 1600 });

    const noSession = await newCall(ctxB, { noSession: true });
    const { outcome } = await play(svc, noSession.callSid, toneFrames(2));
    expect(outcome).toMatchObject({ kind: 'stored', callId: noSession.callId });
    if (outcome.kind !== 'stored') throw new Error('not stored');
    expect((await storedWav(outcome.recordingId)).row.client.id).toBe(ctxB.clientId);
  });

  it('records a second stream of the same call (a reconnect) as another segment of it', async () => {
    const svc = service();
    const { callSid, callId } = await newCall(ctxA);
    const first = await play(svc, callSid, toneFrames(10), 1006);
    now += 5_000;
    const second = await play(svc, callSid, toneFrames(20), 1000);
    expect(first.outcome).toMatchObject({ status: 'partial' });
    expect(second.outcome).toMatchObject({ status: 'complete' });
    const list = await svc.listForCall(ctxA, callId);
    expect(list.map((r) => [r.status, r.durationMs])).toEqual([
      ['partial', 200],
      ['complete', 400],
    ]);
  });

  it('keeps nothing of a stream that carried no audio', async () => {
    const svc = service();
    const { callSid, callId } = await newCall(ctxA);
    const { outcome } = await play(svc, callSid, [], 1000);
    expect(outcome).toEqual({ kind: 'discarded', reason: 'the stream carried no audio' });
    expect(await em().count(CallRecording, { call: callId })).toBe(0);
  });

  it('shows a recording while it is made, plays it whole or by range once done, and to its own tenant only', async () => {
    const svc = service();
    const { callSid, callId } = await newCall(ctxA);
    const socket = new FakeSocket();
    const stream = svc.stream(callSid, socket);
    stream.message(metadata(callSid), false);
    const frames = toneFrames(25);
    for (const frame of frames) stream.message(frame, true);
    let listed: Awaited<ReturnType<RecordingService['listForCall']>> = [];
    while (listed.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      listed = await svc.listForCall(ctxA, callId);
    }
    expect(listed[0]).toMatchObject({ status: 'recording', bytes: 0 });
    await expect(svc.open(ctxA, listed[0]!.id)).rejects.toMatchObject({ code: 'recordings.in_progress' });
    await stream.closed(1000);

    const whole = await svc.open(ctxA, listed[0]!.id);
    expect(whole).toMatchObject({ size: 44 + 8000, contentType: 'audio/wav', range: null, recording: { status: 'complete', durationMs: 500 } });
    const all = await readAll(whole.stream);
    expect(readWavHeader(all, all.length).dataBytes).toBe(8000);
    const part = await svc.open(ctxA, listed[0]!.id, { start: 40, end: 1000 });
    expect(part.range).toEqual({ start: 40, end: 1000 });
    expect((await readAll(part.stream)).equals(all.subarray(40, 1001))).toBe(true);
    const tail = await svc.open(ctxA, listed[0]!.id, { start: 8000 });
    expect((await readAll(tail.stream)).equals(all.subarray(8000))).toBe(true);
    const last = await svc.open(ctxA, listed[0]!.id, { suffix: 100 });
    expect(last.range).toEqual({ start: 7944, end: 8043 });
    expect((await readAll(last.stream)).equals(all.subarray(7944))).toBe(true);
    expect((await svc.open(ctxA, listed[0]!.id, { suffix: 1_000_000 })).range).toEqual({ start: 0, end: 8043 });
    for (const range of [{ start: 8044 }, { start: 10, end: 5 }, { suffix: 0 }]) {
      await expect(svc.open(ctxA, listed[0]!.id, range)).rejects.toMatchObject({ code: 'recordings.range_not_satisfiable', options: { status: 416 } });
    }
    // The brand's own scope sees its clients' recordings; another client does not see this one.
    expect((await svc.get(brandCtx, listed[0]!.id)).callId).toBe(callId);
    for (const attempt of [() => svc.open(ctxB, listed[0]!.id), () => svc.get(ctxB, listed[0]!.id), () => svc.listForCall(ctxB, callId), () => svc.deleteRecording(ctxB, listed[0]!.id), () => svc.deleteForCall(ctxB, callId), () => svc.get(ctxA, 'not-a-uuid')]) {
      const error = await attempt().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(TeroError);
      expect(error).toMatchObject({ code: 'recordings.not_found', options: { status: 404 } });
    }
    expect((await svc.get(ctxA, listed[0]!.id)).status).toBe('complete');
  });

  it('deletes on request: one recording, or all of a call’s (file, then row), and a stream still being recorded', async () => {
    const svc = service();
    const { callSid, callId } = await newCall(ctxA);
    const a = await play(svc, callSid, toneFrames(5));
    const b = await play(svc, callSid, toneFrames(5));
    if (a.outcome.kind !== 'stored' || b.outcome.kind !== 'stored') throw new Error('not stored');
    const { row } = await storedWav(a.outcome.recordingId);
    await svc.deleteRecording(ctxA, a.outcome.recordingId);
    expect(await em().findOne(CallRecording, { id: a.outcome.recordingId })).toBeNull();
    await expect(storage.stat(ctxA, row.storageKey)).rejects.toMatchObject({ code: 'storage.not_found' });
    await expect(svc.deleteRecording(ctxA, a.outcome.recordingId)).rejects.toMatchObject({ code: 'recordings.not_found' });
    expect(await svc.deleteForCall(ctxA, callId)).toBe(1);
    expect(await svc.deleteForCall(ctxA, callId)).toBe(0);
    expect(await svc.listForCall(ctxA, callId)).toEqual([]);

    const live = await newCall(ctxA);
    const socket = new FakeSocket();
    const stream = svc.stream(live.callSid, socket);
    stream.message(metadata(live.callSid), false);
    for (const frame of toneFrames(5)) stream.message(frame, true);
    while ((await svc.listForCall(ctxA, live.callId)).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await svc.deleteForCall(ctxA, live.callId)).toBe(1);
    expect(socket.closes).toEqual([{ code: 1000, reason: 'recording deleted on request' }]);
    expect(await stream.closed(1000)).toEqual({ kind: 'discarded', reason: 'deleted on request' });
    expect(await em().count(CallRecording, { call: live.callId })).toBe(0);
    expect((await storage.list(ctxA, `recordings/2026/05/${live.callId}/`)).length).toBe(0);
    expect(tempFiles()).toEqual([]);
  });

  it('the sweep deletes what expired (a file already gone included) and keeps the rest', async () => {
    const svc = service();
    const old = await newCall(ctxA);
    const kept = await newCall(ctxB);
    const gone = await newCall(ctxA);
    const o = await play(svc, old.callSid, toneFrames(5));
    const k = await play(svc, kept.callSid, toneFrames(5));
    const g = await play(svc, gone.callSid, toneFrames(5));
    if (o.outcome.kind !== 'stored' || k.outcome.kind !== 'stored' || g.outcome.kind !== 'stored') throw new Error('not stored');
    const goneRow = (await storedWav(g.outcome.recordingId)).row;
    await storage.delete(ctxA, goneRow.storageKey);
    const before = now;
    try {
      now += 31 * DAY;
      const result = await svc.sweep();
      expect(result.expired).toBeGreaterThanOrEqual(2);
      expect(await em().findOne(CallRecording, { id: o.outcome.recordingId })).toBeNull();
      expect(await em().findOne(CallRecording, { id: g.outcome.recordingId })).toBeNull();
      expect(await em().findOne(CallRecording, { id: k.outcome.recordingId })).not.toBeNull();
      expect((await storage.list(ctxA, `recordings/2026/05/${old.callId}/`)).length).toBe(0);
      expect(await svc.sweep()).toEqual({ expired: 0, recovered: 0 });
      now = before + 91 * DAY;
      await svc.sweep();
      expect(await em().findOne(CallRecording, { id: k.outcome.recordingId })).toBeNull();
    } finally {
      now = before;
    }
  });

  it('the orphans sweep removes the files of recordings whose call was deleted, client by client, and keeps the rest', async () => {
    const svc = service({ orphanGraceMs: 0 });
    const deletedCall = await newCall(ctxA);
    const keptCall = await newCall(ctxB);
    const d = await play(svc, deletedCall.callSid, toneFrames(3));
    const k = await play(svc, keptCall.callSid, toneFrames(3));
    if (d.outcome.kind !== 'stored' || k.outcome.kind !== 'stored') throw new Error('not stored');
    const deletedKey = (await storedWav(d.outcome.recordingId)).row.storageKey;
    const keptKey = (await storedWav(k.outcome.recordingId)).row.storageKey;
    // The call goes (its recording row with it, by cascade); its file stays behind.
    await t.db.forTenant(ctxA).nativeDelete(Call, { id: deletedCall.callId });
    expect(await em().findOne(CallRecording, { id: d.outcome.recordingId })).toBeNull();
    expect((await storage.list(ctxA, 'recordings/')).map((f) => f.key)).toContain(deletedKey);
    // A file under another client's name with the same key is that client's, and has its own row or not.
    await storage.put(ctxB, deletedKey, Buffer.from('RIFF'));

    // Within the grace period nothing is touched: a young file may be a recording being deleted right now.
    expect(await service({ orphanGraceMs: 60 * 60_000 }).sweepOrphans()).toMatchObject({ removed: 0 });
    const swept = await svc.sweepOrphans();
    expect(swept.removed).toBe(2);
    expect((await storage.list(ctxA, 'recordings/')).map((f) => f.key)).not.toContain(deletedKey);
    expect((await storage.list(ctxB, 'recordings/')).map((f) => f.key)).toEqual(expect.arrayContaining([keptKey]));
    expect((await storage.list(ctxB, 'recordings/')).map((f) => f.key)).not.toContain(deletedKey);
    expect((await storedWav(k.outcome.recordingId)).wav).not.toBeNull();
    expect((await svc.sweepOrphans()).removed).toBe(0);
  });

  it('a failed store leaves the audio on disk, and the sweep stores it as partial once no one writes it', async () => {
    let failures = 1;
    const flaky: FileStorage = Object.create(storage);
    flaky.put = async (...args) => {
      if (failures-- > 0) throw new Error('disk full');
      return storage.put(...args);
    };
    const svc = service({ staleTempMs: 60_000 }, flaky);
    const { callSid, callId } = await newCall(ctxA);
    const { outcome, stream } = await play(svc, callSid, toneFrames(10));
    expect(outcome).toEqual({ kind: 'failed', reason: 'disk full' });
    const row = await em().findOneOrFail(CallRecording, { call: callId });
    expect(row.status).toBe('recording');
    expect(tempFiles()).toEqual([`${stream.id}.pcm`]);
    expect((await svc.sweep()).recovered).toBe(0);
    const path = join(t.dataDir, 'tmp', 'recordings', `${stream.id}.pcm`);
    const past = new Date(Date.now() - 120_000);
    await utimes(path, past, past);
    expect((await svc.sweep()).recovered).toBe(1);
    const { row: after, wav } = await storedWav(row.id);
    expect(after).toMatchObject({ status: 'partial', bytes: 3200, durationMs: 200 });
    expect(wav.dataBytes).toBe(3200);
    expect(tempFiles()).toEqual([]);

    // A leftover whose row is gone is only removed.
    mkdirSync(join(t.dataDir, 'tmp', 'recordings'), { recursive: true });
    const orphan = join(t.dataDir, 'tmp', 'recordings', `${randomUUID()}.pcm`);
    writeFileSync(orphan, Buffer.alloc(320));
    await utimes(orphan, past, past);
    expect((await svc.sweep()).recovered).toBe(0);
    expect(tempFiles()).toEqual([]);
  });

  it('a server stopping ends its streams as partial recordings and refuses new ones', async () => {
    const svc = service();
    const { callSid } = await newCall(ctxA);
    const socket = new FakeSocket();
    const stream = svc.stream(callSid, socket);
    stream.message(metadata(callSid), false);
    for (const frame of toneFrames(5)) stream.message(frame, true);
    await svc.close();
    expect(socket.closes).toEqual([{ code: 1001, reason: 'the server is shutting down' }]);
    expect(await stream.closed(1001)).toMatchObject({ kind: 'stored', status: 'partial', bytes: 1600, partialReason: 'the server stopped during the call' });
    const late = new FakeSocket();
    svc.stream(callSid, late);
    expect(late.closes).toEqual([{ code: 1001, reason: 'the server is shutting down' }]);
  });
});

function sessionOf(callSid: string, callId: string, ctx: TenantContext): CallSession {
  return {
    callSid,
    callId,
    brandId: ctx.brandId,
    clientId: ctx.clientId!,
    accountSid: null,
    route: 'open',
    mode: 'ai',
    locale: 'en',
    from: '+15550001111',
    to: '+15550002222',
    callerName: null,
    startedAt: new Date().toISOString(),
    engineId: 'builtin',
    engineState: {},
    seq: 0,
    silences: 0,
    callerTurns: 0,
    outcome: null,
    bookingId: null,
    messageId: null,
    held: false,
    transferTo: null,
    lastAction: 'listen',
    ended: false,
    opening: [],
  };
}
