import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PluginConfigError, TeroError, VOICE, type TenantContext, type VoiceSample } from '@tero/sdk';
import { closedPort, pcmWav, runVoiceEngineContract, VOICE_CONTRACT_TIMEOUT_MS } from '@tero/sdk/testing';
import plugin from './index';
import { ElevenLabsVoiceEngine, elevenLabsReason, type ElevenLabsVoiceConfig } from './elevenlabs.voice-engine';
import { FakeElevenLabsServer } from './testing';
import manifestPackage from '../package.json';

const KEY = 'xi-0123456789abcdef';
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };

function engine(config: Partial<ElevenLabsVoiceConfig> & { baseUrl: string }): ElevenLabsVoiceEngine {
  return new ElevenLabsVoiceEngine({ apiKey: KEY, timeoutMs: VOICE_CONTRACT_TIMEOUT_MS, ...config });
}

function sample(index: number, seconds: number): VoiceSample {
  return { filename: `owner-${index}.wav`, contentType: 'audio/wav', data: pcmWav(seconds), durationSeconds: seconds };
}

async function caught(promise: Promise<unknown>): Promise<TeroError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TeroError);
  return error as TeroError;
}

let fake: FakeElevenLabsServer;

runVoiceEngineContract('voice-elevenlabs', {
  vendor: 'elevenlabs',
  previewContentType: 'audio/mpeg',
  async setup() {
    fake = await FakeElevenLabsServer.start({ apiKey: KEY });
    return { engine: engine({ baseUrl: fake.baseUrl }), fake, ctx };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return engine({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
  },
});

describe('ElevenLabsVoiceEngine on the wire', () => {
  beforeEach(async () => {
    fake = await FakeElevenLabsServer.start({ apiKey: KEY });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('clones with a multipart form: name, one files part per sample, description, labels and no noise removal', async () => {
    const samples = [sample(1, 0.5), sample(2, 0.25)];

    const { voiceId } = await engine({ baseUrl: fake.baseUrl }).cloneVoice(ctx, { name: 'bright-smile (demo)', language: 'fr', description: 'Réception', samples });

    const [exchange] = fake.exchanges;
    expect(exchange).toMatchObject({ method: 'POST', path: '/v1/voices/add', status: 200 });
    expect(exchange.headers['xi-api-key']).toBe(KEY);
    expect(exchange.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(exchange.fields).toEqual({
      name: ['bright-smile (demo)'],
      description: ['Réception'],
      labels: ['{"language":"fr"}'],
      remove_background_noise: ['false'],
    });
    expect(exchange.files!.map(({ field, filename, contentType }) => ({ field, filename, contentType }))).toEqual([
      { field: 'files', filename: 'owner-1.wav', contentType: 'audio/wav' },
      { field: 'files', filename: 'owner-2.wav', contentType: 'audio/wav' },
    ]);
    expect(fake.storedVoices()[0].files.map((file) => Buffer.from(file.data))).toEqual(samples.map((s) => Buffer.from(s.data)));
    expect(fake.storedVoices()[0]).toMatchObject({ voiceId, labels: { language: 'fr' }, removeBackgroundNoise: false });
  });

  it('previews with the configured model as MP3 at 44.1 kHz / 128 kbit/s', async () => {
    const el = engine({ baseUrl: `${fake.baseUrl}/`, model: 'eleven_flash_v2_5' });
    const { voiceId } = await el.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] });

    const preview = await el.preview(ctx, { voiceId, text: 'Hello, Bright Smile dental.', language: 'en' });

    const exchange = fake.exchanges[1];
    expect(exchange.path).toBe(`/v1/text-to-speech/${voiceId}`);
    expect(exchange.query.get('output_format')).toBe('mp3_44100_128');
    expect(exchange.headers['content-type']).toBe('application/json');
    expect(exchange.json).toEqual({ text: 'Hello, Bright Smile dental.', model_id: 'eleven_flash_v2_5' });
    expect(preview.contentType).toBe('audio/mpeg');
    expect(preview.audio.length).toBeGreaterThan(0);
  });

  it('uses eleven_multilingual_v2 by default, in previews and in the jambonz synthesizer', async () => {
    const el = new ElevenLabsVoiceEngine({ apiKey: KEY, baseUrl: fake.baseUrl });
    const { voiceId } = await el.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] });

    await el.preview(ctx, { voiceId, text: 'Hi', language: 'en' });

    expect(fake.exchanges[1].json).toMatchObject({ model_id: 'eleven_multilingual_v2' });
    expect(el.synthesizer({ voiceId, language: 'en', label: 'client-7' })).toEqual({
      vendor: 'elevenlabs',
      voice: voiceId,
      language: 'en',
      label: 'client-7',
      options: { model_id: 'eleven_multilingual_v2' },
    });
  });

  it('refuses a wrong key with voice.rejected keeping the vendor reason, and never puts the key in the error', async () => {
    const error = await caught(engine({ baseUrl: fake.baseUrl, apiKey: 'xi-wrong-secret' }).cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] }));

    expect(error).toMatchObject({ code: 'voice.rejected', params: { status: 401, reason: 'Invalid API key', vendorStatus: 'invalid_api_key' } });
    expect(JSON.stringify({ message: error.message, params: error.params })).not.toContain('xi-wrong-secret');
  });

  it('reads 422 validation errors as field: message', async () => {
    fake.failNext(422, 'Audio file too short');

    const error = await caught(engine({ baseUrl: fake.baseUrl }).cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] }));

    expect(error).toMatchObject({ code: 'voice.rejected', retryable: false, params: { status: 422, reason: 'files: Audio file too short' } });
  });

  it('turns 429 (too many concurrent requests) into a retryable voice.unavailable', async () => {
    fake.failNext(429, 'Too many concurrent requests');

    const error = await caught(engine({ baseUrl: fake.baseUrl }).preview(ctx, { voiceId: 'v', text: 'Hi', language: 'en' }));

    expect(error).toMatchObject({ code: 'voice.unavailable', retryable: true, params: { status: 429, vendorStatus: 'too_many_concurrent_requests' } });
  });

  it('keeps a previewed voice the vendor does not know a rejection (only deletion treats it as done)', async () => {
    const error = await caught(engine({ baseUrl: fake.baseUrl }).preview(ctx, { voiceId: 'nope', text: 'Hi', language: 'en' }));

    expect(error).toMatchObject({ code: 'voice.rejected', params: { status: 400, vendorStatus: 'voice_not_found' } });
  });

  it('throws a retryable voice.unavailable when the audio stops half-way, once the timeout passes', async () => {
    const stalling = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.write(Buffer.from([0xff, 0xfb, 0x90, 0xc4]));
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stalling.address() as AddressInfo;

      const error = await caught(engine({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 600 }).preview(ctx, { voiceId: 'v', text: 'Hi', language: 'en' }));

      expect(error).toMatchObject({ code: 'voice.unavailable', retryable: true, params: { timeoutMs: 600 } });
    } finally {
      stalling.closeAllConnections();
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });

  it('throws voice.not_configured, sending nothing, when no key is configured anywhere', async () => {
    const el = new ElevenLabsVoiceEngine({ baseUrl: fake.baseUrl });

    const errors = [
      await caught(el.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] })),
      await caught(el.preview(ctx, { voiceId: 'v', text: 'Hi', language: 'en' })),
      await caught(el.deleteVoice(ctx, 'v')),
    ];

    expect(errors.map((e) => [e.code, e.retryable])).toEqual([
      ['voice.not_configured', false],
      ['voice.not_configured', false],
      ['voice.not_configured', false],
    ]);
    expect(fake.requestCount()).toBe(0);
  });
});

describe('elevenLabsReason', () => {
  it('reads every error body shape the API answers', () => {
    expect(elevenLabsReason('{"detail":{"status":"quota_exceeded","message":"You have 12 credits left"}}')).toEqual({ reason: 'You have 12 credits left', code: 'quota_exceeded' });
    expect(elevenLabsReason('{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"},{"loc":["body","files"],"msg":"Field required","type":"missing"}]}')).toEqual({
      reason: 'name: Field required; files: Field required',
      code: 'validation_error',
    });
    expect(elevenLabsReason('{"detail":"Not Found"}')).toEqual({ reason: 'Not Found' });
    expect(elevenLabsReason('Bad gateway')).toEqual({ reason: 'Bad gateway' });
    expect(elevenLabsReason('')).toEqual({ reason: '(empty body)' });
  });
});

describe('voice-elevenlabs plugin', () => {
  const manifest = manifestPackage.tero;

  it('provides the VOICE port under its manifest id', () => {
    expect(plugin.id).toBe(manifest.id);
    expect(plugin.provides.map((provision) => provision.port)).toEqual([VOICE]);
  });

  it('accepts no configuration at all, and a tenant that brings only its key', () => {
    const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false });
    addFormats(ajv);
    const instance: Record<string, unknown> = {};
    expect(ajv.compile(manifest.instanceConfig)(instance)).toBe(true);
    expect(instance).toEqual({ baseUrl: 'https://api.elevenlabs.io', model: 'eleven_multilingual_v2' });
    expect(ajv.compile(manifest.tenantConfig)({ apiKey: 'xi-brand' })).toBe(true);
    expect(ajv.compile(manifest.tenantConfig)({ baseUrl: 'http://evil.example' })).toBe(false);
  });

  it('refuses a base URL that is not http(s) naming the key', () => {
    expect(() => new ElevenLabsVoiceEngine({ baseUrl: 'ftp://x' })).toThrow(PluginConfigError);
    expect(() => new ElevenLabsVoiceEngine({ baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
  });
});
