import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentProfile, Client, PhoneNumber, VoiceClone } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { encodeAudio } from '../../libs/onboarding/src/voices/testing/encode-audio';
import { silence, speechLike } from '../../libs/onboarding/src/voices/testing/test-audio';
import { wavFile } from '../../libs/onboarding/src/voices/wav';
import { FakeElevenLabsServer } from '../../plugins/voice-elevenlabs/src/testing';
import { type TestApp, createTestApp, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(180_000);

interface Upload {
  name: string;
  data: Buffer;
  type?: string;
}

/**
 * Voice cloning, end to end on the real app with the ElevenLabs plugin against its local fake: bad files
 * refused with their reasons (a text file named .wav, silence, clipping), too little audio, a 200 MB
 * body answered 413, good WAV and MP3 samples cloned by the job (a vendor 5xx retried), the agent's voice
 * in a call's first hook, the preview, the standard voice, a vendor 422 shown with its reason then a
 * retry, another client seeing nothing, and the client's deletion deleting the vendor voice. On SQLite,
 * and on PostgreSQL + Redis with `TEST_BACKEND=postgres-redis`.
 */
describe('voice samples and cloning', () => {
  let t: TestApp;
  let fake: FakeElevenLabsServer;
  let cookie: string;
  let ctx: TenantContext;
  const host = () => t.logins.owner.host;
  const em = () => t.kernel.db.forInstance('e2e assertions');
  const attr = (html: string, test: string, name: string) => new RegExp(`data-test="${test}"[^>]*data-${name}="([^"]*)"`).exec(html)?.[1];

  beforeAll(async () => {
    fake = await FakeElevenLabsServer.start({ apiKey: 'xi-e2e-key' });
    t = await createTestApp({ env: { PLUGINS: 'voice-elevenlabs', VOICE_ELEVENLABS_API_KEY: 'xi-e2e-key', VOICE_ELEVENLABS_BASE_URL: fake.baseUrl } });
    cookie = await signIn(t, t.logins.owner);
    const resolved = await t.kernel.resolver.resolve(host());
    if (resolved?.kind !== 'client') throw new Error('demo client not found');
    ctx = { brandId: resolved.brand.id, clientId: resolved.client.id, locale: 'en', requestId: 'e2e' };
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const page = (path = '/voice', who = cookie, on = host()) => t.http(on).get(path).set('Cookie', who).set('Accept', 'text/html');
  async function token(): Promise<string> {
    const found = /name="_csrf" value="([^"]+)"/.exec((await page()).text)?.[1];
    if (!found) throw new Error('no CSRF token on the voice page');
    return found;
  }
  async function upload(files: Upload[]) {
    let req = t.http(host()).post('/voice/samples').set('Cookie', cookie).set('Accept', 'text/html').field('_csrf', await token());
    for (const file of files) req = req.attach('samples', file.data, { filename: file.name, contentType: file.type ?? 'audio/wav' });
    return req;
  }
  async function post(path: string, fields: Record<string, string> = {}) {
    return t.http(host()).post(path).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...fields, _csrf: await token() });
  }
  const stored = async () => (await t.kernel.storage.list(ctx, 'voices/')).map((f) => f.key);
  const row = () => em().findOne(VoiceClone, { client: ctx.clientId });
  const profileVoice = async () => (await em().findOneOrFail(AgentProfile, { client: ctx.clientId }, { refresh: true })).voice ?? null;

  /** The verbs of a new call's first hook, as text. */
  async function firstHook(): Promise<string> {
    const line = t.lines[0]!;
    const res = await postHook(t, 'call', { ...callInfo(line, randomUUID()), call_status: 'trying', sip_status: 100 }, { secret: line.secret });
    expect(res.status).toBe(200);
    expectValidVerbs(res.body, { nonEmpty: true });
    return JSON.stringify(res.body);
  }

  /**
   * Sends a body of `bytes` as a browser would, without holding it in memory, and stops writing as soon
   * as the server answers: what a 200 MB upload does to the server is answered before it is read.
   */
  async function postHuge(path: string, bytes: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, host: host(), 'content-length': String(bytes) } });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (!answered && sent < bytes) {
          const size = Math.min(chunk.length, bytes - sent);
          sent += size;
          if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
  }

  it('shows the page with its upload input, the standard-voice button and a way back to setup', async () => {
    const res = await page('/voice?from=setup');
    expect(res.status).toBe(200);
    expect(attr(res.text, 'voice-status', 'status')).toBe('none');
    expect(res.text).toContain('data-test="voice-upload"');
    expect(res.text).toContain('data-test="voice-standard"');
    expect(res.text).toContain('href="/setup"');
    expect(res.text).not.toContain('data-test="voice-not-set-up"');
    expect(res.text).not.toContain('data-test="voice-clone"');
    expect((await page('/')).text).toContain('href="/voice"');
    expect((await t.http(host()).get('/themes/default/voice-recorder.js')).headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses a text file named .wav, a silent file and a clipped one, saying why, and keeps none', async () => {
    const res = await upload([
      { name: 'notes.wav', data: Buffer.from('Dear diary, this is not a recording.\n') },
      { name: 'mute.wav', data: wavFile(silence(10)) },
      { name: 'shouting.wav', data: wavFile(speechLike(10, { gain: 12 })) },
    ]);
    expect(res.status).toBe(200);
    expect([...res.text.matchAll(/data-test="voice-report-row" data-verdict="(\w+)"/g)].map((m) => m[1])).toEqual(['refused', 'refused', 'refused']);
    expect(res.text).toContain('This is not an audio file.');
    expect(res.text).toContain('Nothing but silence');
    expect(res.text).toMatch(/Distorted: [\d.]+% of the sound is clipped/);
    expect(await stored()).toEqual([]);
    expect(await t.kernel.voices.state(ctx)).toEqual({ status: 'none' });
  });

  it('keeps 20 s of good audio but will not clone under 30 s', async () => {
    const res = await upload([{ name: 'hello.wav', data: wavFile(speechLike(20, { sampleRate: 44_100 }), 44_100) }]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-test="voice-report-row" data-verdict="ok"');
    expect(attr(res.text, 'voice-total', 'verdict')).toBe('refused');
    expect(res.text).toContain('at least 30 s are needed to clone');
    expect(res.text).not.toContain('data-test="voice-clone"');
    // Came from the setup wizard: the refusal's page keeps the way back.
    const clone = await post('/voice/clone', { from: 'setup' });
    expect(clone.status).toBe(400);
    expect(clone.text).toContain('Cloning needs at least 30 seconds of good recordings; you have 20.');
    expect(clone.text).toContain('href="/setup"');
    expect(await t.kernel.voices.state(ctx)).toEqual({ status: 'samples' });
    expect(await stored()).toHaveLength(1);
    expect(fake.requestCount()).toBe(0);
  });

  it('answers a 200 MB upload 413 with a message, and changes nothing', async () => {
    const boundary = 'tero-e2e-boundary';
    const json = await postHuge('/voice/samples', 200 * 1024 * 1024, { cookie, accept: 'application/json', 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(json.status).toBe(413);
    expect(JSON.parse(json.body)).toEqual({ error: { code: 'numbers.upload_too_large', message: 'The upload is larger than 60 MB.' } });
    const html = await postHuge('/voice/samples', 200 * 1024 * 1024, { cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(html.status).toBe(413);
    expect(html.body).toContain('The upload is larger than 60 MB.');
    // Not multipart: Fastify's own limit, answered 413 too (it was a 500).
    const form = await postHuge('/voice/samples', 200 * 1024 * 1024, { cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(413);
    expect(JSON.parse(form.body).error).toEqual({ code: 'http.payload_too_large', message: 'The request is too large.' });
    expect(await stored()).toHaveLength(1);
    expect((await row())!.samples).toHaveLength(1);
  });

  it('clones good WAV and MP3 samples through the job, retrying a vendor 5xx, and calls speak with the voice', async () => {
    const mp3 = encodeAudio(wavFile(speechLike(25, { sampleRate: 44_100 }), 44_100), 'mp3');
    // Two uploads at the same moment: both are kept.
    const uploads = await Promise.all([upload([{ name: 'intro.mp3', data: mp3, type: 'audio/mpeg' }]), upload([{ name: 'services.wav', data: wavFile(speechLike(35, { sampleRate: 48_000 }), 48_000) }])]);
    for (const res of uploads) {
      expect(res.status).toBe(200);
      expect([...res.text.matchAll(/data-test="voice-report-row" data-verdict="(\w+)"/g)].map((m) => m[1])).toEqual(['ok']);
    }
    expect((await row())!.samples.map((sample) => sample.fileName).sort()).toEqual(['hello.wav', 'intro.mp3', 'services.wav']);
    expect(await stored()).toHaveLength(3);
    const res = await page();
    expect(attr(res.text, 'voice-total', 'verdict')).toBe('ok');
    expect(res.text).toContain('data-test="voice-clone"');

    fake.failNext(503, 'busy, try later');
    const clone = await post('/voice/clone');
    expect(clone.status).toBe(200);
    const polled = await t.http(host()).get('/voice/status').set('Cookie', cookie).set('Accept', 'application/json');
    expect(['cloning', 'ready']).toContain(polled.body.status);
    await t.kernel.jobs.drain();

    const state = await t.kernel.voices.state(ctx);
    expect(state).toEqual({ status: 'ready', engine: 'voice-elevenlabs', voiceId: expect.any(String) });
    const voices = fake.storedVoices();
    expect(voices).toHaveLength(1);
    expect(voices[0]!.voiceId).toBe(state.voiceId);
    expect(voices[0]!.files).toHaveLength(3);
    // Every sample reached the vendor as WAV PCM 16-bit mono 24 kHz.
    for (const file of voices[0]!.files) {
      const wav = Buffer.from(file.data);
      expect(wav.subarray(0, 4).toString()).toBe('RIFF');
      expect([wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual([1, 24_000, 16]);
    }
    expect(fake.exchanges.filter((e) => e.path === '/v1/voices/add').map((e) => e.status)).toEqual([503, 200]);
    expect((await row())!).toMatchObject({ status: 'ready', attempts: 2, progress: 100, lastError: null });

    expect(await profileVoice()).toEqual({ vendor: 'elevenlabs', voiceId: state.voiceId, language: 'en-US' });
    const verbs = await firstHook();
    expect(verbs).toContain(`"voice":"${state.voiceId}"`);
    expect(verbs).toContain('"vendor":"elevenlabs"');

    const shown = await page();
    expect(attr(shown.text, 'voice-status', 'status')).toBe('ready');
    expect(shown.text).toContain('data-test="voice-preview"');
    const preview = await t.http(host()).get('/voice/preview').set('Cookie', cookie);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('audio/mpeg');
    expect(Number(preview.headers['content-length'])).toBeGreaterThan(100);
    const spoken = fake.exchanges.find((e) => e.path.startsWith('/v1/text-to-speech/'));
    expect((spoken!.json as { text: string }).text).toContain('thanks for calling Bright Smile Dental');
  });

  it('shows another client none of this client’s voice, samples or preview', async () => {
    const harbor = await signIn(t, t.logins.harborOwner);
    const theirs = await page('/voice', harbor, t.logins.harborOwner.host);
    expect(theirs.status).toBe(200);
    expect(attr(theirs.text, 'voice-status', 'status')).toBe('none');
    expect(theirs.text).not.toContain('intro.mp3');
    expect((await t.http(t.logins.harborOwner.host).get('/voice/preview').set('Cookie', harbor)).status).toBe(404);
    const status = await t.http(t.logins.harborOwner.host).get('/voice/status').set('Cookie', harbor).set('Accept', 'application/json');
    expect(status.body).toEqual({ status: 'none' });
    // Their session does not open this client's host.
    expect((await t.http(host()).get('/voice/preview').set('Cookie', harbor)).status).toBe(303);
    const resolved = await t.kernel.resolver.resolve(t.logins.harborOwner.host);
    if (resolved?.kind !== 'client') throw new Error('harbor client not found');
    expect(await t.kernel.storage.list({ brandId: resolved.brand.id, clientId: resolved.client.id, locale: 'en' }, 'voices/')).toEqual([]);
  });

  it('goes back to a standard voice (deleting the vendor voice), then shows a vendor 422 with its reason, and a retry clones', async () => {
    const standard = await post('/voice/standard');
    expect(standard.status).toBe(200);
    expect(attr(standard.text, 'voice-status', 'status')).toBe('standard');
    expect(await profileVoice()).toBeNull();
    await t.kernel.jobs.drain();
    expect(fake.storedVoices()).toEqual([]);
    expect(await firstHook()).not.toContain('"vendor":"elevenlabs"');

    fake.failNext(422, 'Audio quality too low for cloning');
    expect((await post('/voice/clone')).status).toBe(200);
    await t.kernel.jobs.drain();
    const failed = await page();
    expect(attr(failed.text, 'voice-status', 'status')).toBe('failed');
    expect(failed.text).toContain('Audio quality too low for cloning');
    expect(failed.text).toContain('data-test="voice-retry"');
    expect(await t.kernel.voices.state(ctx)).toMatchObject({ status: 'failed', error: expect.stringContaining('Audio quality too low for cloning') });
    expect(fake.storedVoices()).toEqual([]);

    // A vendor that stays unavailable: four tries with backoff, then failed with its words.
    for (let i = 0; i < 4; i++) fake.failNext(502, 'upstream is down');
    expect((await post('/voice/retry')).status).toBe(200);
    await t.kernel.jobs.drain();
    expect(await t.kernel.voices.state(ctx)).toMatchObject({ status: 'failed', error: expect.stringContaining('upstream is down') });
    expect((await row())!.attempts).toBe(4);

    expect((await post('/voice/retry')).status).toBe(200);
    await t.kernel.jobs.drain();
    const ready = await t.kernel.voices.state(ctx);
    expect(ready.status).toBe('ready');
    expect(fake.storedVoices().map((v) => v.voiceId)).toEqual([ready.voiceId]);
    expect((await profileVoice())?.voiceId).toBe(ready.voiceId);
  });

  it('lets the owner delete the voice: at the vendor, every sample, and the agent back to the standard voice', async () => {
    const voiceId = (await t.kernel.voices.state(ctx)).voiceId!;
    const keysBefore = await stored();
    expect(keysBefore.length).toBeGreaterThan(0);
    const res = await post('/voice/delete');
    expect(res.status).toBe(200);
    expect(attr(res.text, 'voice-status', 'status')).toBe('none');
    expect(await profileVoice()).toBeNull();
    await t.kernel.jobs.drain();
    expect(fake.storedVoices().map((v) => v.voiceId)).not.toContain(voiceId);
    expect(await stored()).toEqual([]);

    // Cloned again, for the client's deletion below.
    await upload([{ name: 'again.wav', data: wavFile(speechLike(35)) }]);
    expect((await post('/voice/clone')).status).toBe(200);
    await t.kernel.jobs.drain();
    expect((await t.kernel.voices.state(ctx)).status).toBe('ready');
  });

  it('deletes the client’s vendor voice and samples when its brand admin deletes the client', async () => {
    const admin = await signIn(t, t.logins.brandAdmin);
    const adminHost = t.logins.brandAdmin.host;
    const list = await t.http(adminHost).get('/admin/clients').set('Cookie', admin).set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(list.text)?.[1];
    expect(list.text).toContain(`action="/admin/clients/${ctx.clientId}/delete"`);
    const wrong = await t.http(adminHost).post(`/admin/clients/${ctx.clientId}/delete`).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrf, confirmSlug: 'bright' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Nothing was deleted');
    expect(await em().count(Client, { id: ctx.clientId })).toBe(1);

    const voiceId = (await t.kernel.voices.state(ctx)).voiceId;
    const done = await t.http(adminHost).post(`/admin/clients/${ctx.clientId}/delete`).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrf, confirmSlug: 'bright-smile' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('was deleted.');
    expect(await em().count(Client, { id: ctx.clientId })).toBe(0);
    expect(await em().count(VoiceClone, { client: ctx.clientId })).toBe(0);
    await t.kernel.jobs.drain();
    expect(fake.storedVoices()).toEqual([]);
    expect(fake.exchanges.some((e) => e.method === 'DELETE' && e.path === `/v1/voices/${voiceId}` && e.status === 200)).toBe(true);
    expect(await stored()).toEqual([]);
    // Its number went back to the pool through quarantine, not left `assigned` to nobody.
    const line = await t.kernel.db.forInstance('voices e2e').findOneOrFail(PhoneNumber, { number: t.lines[0]!.number });
    expect(line).toMatchObject({ state: 'quarantined', client: null });
  });
});
