import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AgentProfile, Call, CallRecording } from '@tero/db';
import { type TenantContext } from '@tero/sdk';
import { LISTEN_PATH, LISTEN_SUBPROTOCOL, listenConfigVerb } from '@tero/telephony';
import { WebSocket } from 'ws';
import { type TestApp, bearer, createTestApp, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const SAMPLE_RATE = 8000;
const FRAME_MS = 20;
const FRAME_BYTES = (SAMPLE_RATE / 1000) * FRAME_MS * 2;
/** The dashboard host of another client of the same brand, created below. */
const OTHER_CLIENT_HOST = 'sunny-paws.demo.localhost';

/** `count` 20 ms frames of a 440 Hz tone, L16 mono at 8 kHz, as jambonz streams them. */
function tone(count: number): Buffer[] {
  const frames: Buffer[] = [];
  let n = 0;
  for (let f = 0; f < count; f++) {
    const frame = Buffer.alloc(FRAME_BYTES);
    for (let i = 0; i < FRAME_BYTES / 2; i++, n++) frame.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * n) / SAMPLE_RATE) * 10_000), i * 2);
    frames.push(frame);
  }
  return frames;
}

/** The fields of a canonical PCM WAV header, read by offset (independently of the server's own reader). */
function wavFields(file: Buffer) {
  return {
    riff: file.toString('ascii', 0, 4),
    riffSize: file.readUInt32LE(4),
    wave: file.toString('ascii', 8, 12),
    fmt: file.toString('ascii', 12, 16),
    audioFormat: file.readUInt16LE(20),
    channels: file.readUInt16LE(22),
    sampleRate: file.readUInt32LE(24),
    byteRate: file.readUInt32LE(28),
    blockAlign: file.readUInt16LE(32),
    bitsPerSample: file.readUInt16LE(34),
    data: file.toString('ascii', 36, 40),
    dataBytes: file.readUInt32LE(40),
  };
}

/** Checks a stored recording is a playable WAV of `frames` frames; returns its duration in ms. */
function expectPlayableWav(file: Buffer, frames: number): number {
  const wav = wavFields(file);
  expect(wav).toMatchObject({ riff: 'RIFF', wave: 'WAVE', fmt: 'fmt ', audioFormat: 1, channels: 1, sampleRate: SAMPLE_RATE, byteRate: SAMPLE_RATE * 2, blockAlign: 2, bitsPerSample: 16, data: 'data' });
  expect(wav.riffSize).toBe(file.length - 8);
  expect(wav.dataBytes).toBe(file.length - 44);
  const durationMs = (wav.dataBytes / wav.byteRate) * 1000;
  expect(Math.abs(durationMs - frames * FRAME_MS)).toBeLessThanOrEqual(FRAME_MS);
  return durationMs;
}

interface ListenClient {
  socket: WebSocket;
  opened: Promise<void>;
  /** The close code the client saw. */
  closed: Promise<number>;
  /** The HTTP status of a refused upgrade. */
  refused: Promise<number>;
}

describe('call recordings through a jambonz listen stream', () => {
  let t: TestApp;
  let port: number;
  let offsetMs = 0;
  let ownerApi: string;
  let otherClientApi: string;
  let harborApi: string;
  const bright = () => t.lines[0]!;
  const em = () => t.kernel.db.forInstance('e2e assertions');
  const hostA = () => t.logins.owner.host;

  beforeAll(async () => {
    t = await createTestApp({ clock: () => new Date(Date.now() + offsetMs) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    ownerApi = await bearer(t, t.logins.owner);
    harborApi = await bearer(t, t.logins.harborOwner);
    // Another client of the same brand, with its own owner.
    const host = await t.kernel.resolver.resolve(hostA());
    if (host?.kind !== 'client') throw new Error('demo client not found');
    const brandCtx: TenantContext = { brandId: host.brand.id, clientId: null, locale: 'en' };
    const vet = await t.kernel.accounts.createClient(brandCtx, { name: 'Sunny Paws Vet', slug: 'sunny-paws', professionPack: 'dentist', timezone: 'Europe/Paris' });
    const vetOwner = await t.kernel.accounts.createUser({ ...brandCtx, clientId: vet.id }, { email: 'owner@sunny-paws.example', name: 'Paula Paws', role: 'client_owner' });
    otherClientApi = `Bearer ${t.kernel.auth.issueAccessToken(vetOwner).accessToken}`;
  });
  afterAll(() => t.close());

  /** A call started through the call hook, as jambonz does; its row once written. */
  async function startCall() {
    const info = callInfo(bright(), randomUUID());
    const res = await postHook(t, 'call', { ...info, call_status: 'trying', sip_status: 100 }, { secret: bright().secret });
    expect(res.status).toBe(200);
    const callSid = info.call_sid as string;
    await t.kernel.telephony.writer.flush();
    const call = await em().findOneOrFail(Call, { callSid });
    return { callSid, callId: call.id };
  }

  /** Opens the listen stream as jambonz would with the call's `config.listen` verb. */
  function openListen(callSid: string, options: { authorization?: string | null } = {}): ListenClient {
    const verb = listenConfigVerb(callSid, t.kernel.recordings.listen);
    const { url, wsAuth } = verb.listen as { url: string; wsAuth: { username: string; password: string } };
    expect(url).toBe(`ws://localhost:3000${LISTEN_PATH}`);
    const authorization = options.authorization === undefined ? `Basic ${Buffer.from(`${wsAuth.username}:${wsAuth.password}`).toString('base64')}` : options.authorization;
    const socket = new WebSocket(`ws://127.0.0.1:${port}${LISTEN_PATH}`, [LISTEN_SUBPROTOCOL], { headers: authorization === null ? {} : { Authorization: authorization } });
    socket.on('error', () => undefined);
    return {
      socket,
      opened: new Promise((resolve) => socket.on('open', () => resolve())),
      closed: new Promise((resolve) => socket.on('close', (code) => resolve(code))),
      refused: new Promise((resolve) => socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))),
    };
  }

  const metadata = (callSid: string) => JSON.stringify({ callSid, direction: 'inbound', from: '+15557770001', to: bright().number, callId: `${callSid}@sip`, sampleRate: SAMPLE_RATE, mixType: 'mono' });

  /** Waits (without a clock) until the call has a finished recording. */
  async function finishedRecording(callId: string): Promise<CallRecording> {
    for (;;) {
      const row = await em().findOne(CallRecording, { call: callId, status: { $ne: 'recording' } });
      if (row) return row;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function streamCall(frames: Buffer[], end: (socket: WebSocket) => void = (socket) => socket.close(1000)) {
    const call = await startCall();
    const client = openListen(call.callSid);
    await client.opened;
    expect(client.socket.protocol).toBe(LISTEN_SUBPROTOCOL);
    client.socket.send(metadata(call.callSid));
    for (const frame of frames) client.socket.send(frame, { binary: true });
    end(client.socket);
    return { ...call, client, recording: await finishedRecording(call.callId) };
  }

  const api = (path: string, token: string) => t.http(hostA()).get(path).set('Authorization', token).buffer(true).parse(binaryParser);

  it('records a stream of L16 frames into a playable WAV attached to the call, served to its owner (API and dashboard)', async () => {
    const frames = tone(100);
    const { callId, recording, client } = await streamCall(frames);
    expect(await client.closed).toBe(1000);
    expect(recording).toMatchObject({ status: 'complete', sampleRate: SAMPLE_RATE, channels: 1, bytes: 100 * FRAME_BYTES, durationMs: 2000 });

    const list = await t.http(hostA()).get(`/api/v1/calls/${callId}/recordings`).set('Authorization', ownerApi);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: recording.id, callId, status: 'complete', durationMs: 2000 })]);

    const res = await api(`/api/v1/calls/${callId}/recording`, ownerApi);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    const file = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(file.length);
    expect(expectPlayableWav(file, 100)).toBe(2000);
    expect(file.subarray(44).equals(Buffer.concat(frames))).toBe(true);

    // The dashboard plays it from the session, and seeks by range.
    const session = await signIn(t, t.logins.owner);
    const page = await t.http(hostA()).get(`/calls/${callId}/recording`).set('Cookie', session).buffer(true).parse(binaryParser);
    expect(page.status).toBe(200);
    expect((page.body as Buffer).equals(file)).toBe(true);
    const head = await t.http(hostA()).get(`/calls/${callId}/recording`).set('Cookie', session).set('Range', 'bytes=0-43').buffer(true).parse(binaryParser);
    expect(head.status).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-43/${file.length}`);
    expect((head.body as Buffer).equals(file.subarray(0, 44))).toBe(true);
    const past = await t.http(hostA()).get(`/calls/${callId}/recording`).set('Cookie', session).set('Range', `bytes=${file.length}-`);
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${file.length}`);
  });

  it('starts recording a client that records calls right after the spoken notice, through the listen stream the call hook asks for', async () => {
    const host = await t.kernel.resolver.resolve(hostA());
    if (host?.kind !== 'client') throw new Error('demo client not found');
    const profiles = t.kernel.db.forTenant({ brandId: host.brand.id, clientId: host.client.id, locale: 'en' });
    const profile = await profiles.findOneOrFail(AgentProfile, { client: host.client.id });
    profile.recordCalls = true;
    await profiles.flush();
    t.kernel.telephony.directory.invalidate();
    try {
      const info = callInfo(bright(), randomUUID());
      const res = await postHook(t, 'call', { ...info, call_status: 'trying', sip_status: 100 }, { secret: bright().secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      const verbs = res.body as { verb: string; text?: string; listen?: { url: string; wsAuth: { username: string; password: string } } }[];
      const listenAt = verbs.findIndex((v) => v.verb === 'config' && v.listen);
      const noticeAt = verbs.findIndex((v) => v.verb === 'say' && /record/i.test(v.text ?? ''));
      expect(noticeAt).toBeGreaterThanOrEqual(0);
      expect(listenAt).toBeGreaterThan(noticeAt);
      const { url, wsAuth } = verbs[listenAt]!.listen!;
      expect(url).toBe(`ws://localhost:3000${LISTEN_PATH}`);

      const callSid = info.call_sid as string;
      const authorization = `Basic ${Buffer.from(`${wsAuth.username}:${wsAuth.password}`).toString('base64')}`;
      const socket = new WebSocket(`ws://127.0.0.1:${port}${LISTEN_PATH}`, [LISTEN_SUBPROTOCOL], { headers: { Authorization: authorization } });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.on('open', () => resolve()));
      socket.send(metadata(callSid));
      for (const frame of tone(50)) socket.send(frame, { binary: true });
      socket.close(1000);
      await t.kernel.telephony.writer.flush();
      const call = await em().findOneOrFail(Call, { callSid });
      expect(call.recordingConsent).toBe(true);
      const recording = await finishedRecording(call.id);
      expect(recording.status).toBe('complete');
      expect(recording.durationMs).toBeGreaterThan(0);
    } finally {
      profile.recordCalls = false;
      await profiles.flush();
      t.kernel.telephony.directory.invalidate();
    }
  });

  it('keeps a stream cut mid-call as a partial recording that still plays', async () => {
    const frames = tone(40);
    const { callId, recording } = await streamCall(frames, (socket) => {
      // The frames are sent before the socket is cut: wait until they are out, then drop the connection.
      const cut = () => (socket.bufferedAmount === 0 ? socket.terminate() : setImmediate(cut));
      cut();
    });
    expect(recording.status).toBe('partial');
    const res = await api(`/api/v1/calls/${callId}/recording`, ownerApi);
    expect(res.status).toBe(200);
    expectPlayableWav(res.body as Buffer, 40);
  });

  it('closes a stream that sends an oversize frame with 1009, keeping what it recorded as partial', async () => {
    const max = t.kernel.recordings.service.maxFrameBytes;
    const { callId, recording, client } = await streamCall(tone(25), (socket) => socket.send(Buffer.alloc(max + 1), { binary: true }));
    expect(await client.closed).toBe(1009);
    expect(recording).toMatchObject({ status: 'partial', bytes: 25 * FRAME_BYTES, durationMs: 500 });
    expectPlayableWav((await api(`/api/v1/calls/${callId}/recording`, ownerApi)).body as Buffer, 25);
  });

  it('refuses a stream without the call’s credentials (401 on the upgrade), and one whose metadata names another call (1008): nothing written', async () => {
    const { callSid, callId } = await startCall();
    const other = listenConfigVerb(randomUUID(), t.kernel.recordings.listen).listen as { wsAuth: { password: string } };
    for (const authorization of [null, `Basic ${Buffer.from(`${callSid}:${other.wsAuth.password}`).toString('base64')}`, 'Bearer whatever']) {
      expect(await openListen(callSid, { authorization }).refused).toBe(401);
    }
    const client = openListen(callSid);
    await client.opened;
    client.socket.send(JSON.stringify({ ...JSON.parse(metadata(callSid)), callSid: randomUUID() }));
    client.socket.send(tone(1)[0]!, { binary: true });
    expect(await client.closed).toBe(1008);
    expect(await em().count(CallRecording, { call: callId })).toBe(0);
  });

  it('shows a recording to its own client only: another client’s user gets 404', async () => {
    const { callId, recording } = await streamCall(tone(10));
    for (const [host, token] of [
      [OTHER_CLIENT_HOST, otherClientApi],
      [t.logins.harborOwner.host, harborApi],
    ] as const) {
      const list = await t.http(host).get(`/api/v1/calls/${callId}/recordings`).set('Authorization', token);
      const play = await t.http(host).get(`/api/v1/calls/${callId}/recording?id=${recording.id}`).set('Authorization', token);
      const remove = await t.http(host).delete(`/api/v1/calls/${callId}/recording`).set('Authorization', token);
      expect([list.status, play.status, remove.status]).toEqual([404, 404, 404]);
      expect(play.body.error.code).toBe('recordings.not_found');
    }
    expect(await em().count(CallRecording, { id: recording.id })).toBe(1);
  });

  it('deletes a call’s recording on request: through the API, and from the dashboard with its CSRF token', async () => {
    const apiCall = await streamCall(tone(10));
    const file = { brandId: apiCall.recording.brand.id, clientId: apiCall.recording.client.id, locale: 'en' };
    const removed = await t.http(hostA()).delete(`/api/v1/calls/${apiCall.callId}/recording`).set('Authorization', ownerApi);
    expect(removed.status).toBe(204);
    expect((await api(`/api/v1/calls/${apiCall.callId}/recording`, ownerApi)).status).toBe(404);
    expect(await em().count(CallRecording, { call: apiCall.callId })).toBe(0);
    await expect(t.kernel.storage.stat(file, apiCall.recording.storageKey)).rejects.toMatchObject({ code: 'storage.not_found' });

    const pageCall = await streamCall(tone(10));
    const session = await signIn(t, t.logins.owner);
    // The token the dashboard's forms carry for this session's CSRF cookie.
    const dashboard = await t.http(hostA()).get('/dashboard').set('Cookie', session).set('Accept', 'text/html');
    const token = /name="_csrf" value="([^"]+)"/.exec(dashboard.text)?.[1];
    if (!token) throw new Error('no CSRF token on the dashboard');
    const forged = await t.http(hostA()).delete(`/calls/${pageCall.callId}/recording`).set('Cookie', session).set('x-csrf-token', 'forged');
    expect(forged.status).toBe(403);
    expect(await em().count(CallRecording, { call: pageCall.callId })).toBe(1);
    const ok = await t.http(hostA()).delete(`/calls/${pageCall.callId}/recording`).set('Cookie', session).set('x-csrf-token', token);
    expect(ok.status).toBe(204);
    expect(await em().count(CallRecording, { call: pageCall.callId })).toBe(0);
  });

  it('keeps /live working in the same application', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, [], { headers: { Host: hostA(), Authorization: ownerApi } });
    socket.on('error', () => undefined);
    const first = await new Promise<{ type: string }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString('utf8')))));
    expect(first.type).toBe('live.ready');
    socket.terminate();
    // Another path is still refused by the upgrade handling it belongs to.
    const stray = new WebSocket(`ws://127.0.0.1:${port}/nowhere`);
    const outcome = await new Promise<string>((resolve) => {
      stray.on('error', () => resolve('refused'));
      stray.on('open', () => resolve('opened'));
    });
    expect(outcome).toBe('refused');
  });

  it('deletes recordings past their retention when the hourly sweep runs (the clock moved on)', async () => {
    const { callId, recording } = await streamCall(tone(5));
    const file = { brandId: recording.brand.id, clientId: recording.client.id, locale: 'en' };
    expect(recording.expiresAt!.getTime() - recording.endedAt!.getTime()).toBe(90 * DAY);
    await t.kernel.recordings.retention.enqueueDue();
    await t.kernel.jobs.drain();
    expect(await em().count(CallRecording, { call: callId })).toBe(1);
    offsetMs = 91 * DAY;
    try {
      await t.kernel.recordings.retention.enqueueDue();
      await t.kernel.jobs.drain();
      expect(await em().count(CallRecording, { call: callId })).toBe(0);
      await expect(t.kernel.storage.stat(file, recording.storageKey)).rejects.toMatchObject({ code: 'storage.not_found' });
    } finally {
      offsetMs = 0;
    }
  });
});

/** supertest: the body as bytes, whatever its type. */
function binaryParser(res: unknown, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
