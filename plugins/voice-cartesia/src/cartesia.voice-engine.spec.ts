import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PluginConfigError, TeroError, VOICE, type TenantContext, type VoiceSample } from '@tero/sdk';
import { closedPort, pcmWav, readWavInfo, runVoiceEngineContract, VOICE_CONTRACT_TIMEOUT_MS } from '@tero/sdk/testing';
import plugin from './index';
import { CartesiaVoiceEngine, cartesiaReason, CARTESIA_VERSION, type CartesiaVoiceConfig } from './cartesia.voice-engine';
import { FakeCartesiaServer } from './testing';
import manifestPackage from '../package.json';

const KEY = 'sk_car_0123456789';
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };

function engine(config: Partial<CartesiaVoiceConfig> & { baseUrl: string }): CartesiaVoiceEngine {
  return new CartesiaVoiceEngine({ apiKey: KEY, timeoutMs: VOICE_CONTRACT_TIMEOUT_MS, ...config });
}

function sample(index: number, seconds: number): VoiceSample {
  return { filename: `owner-${index}.wav`, contentType: 'audio/wav', data: pcmWav(seconds, 200 + index * 50), durationSeconds: seconds };
}

async function caught(promise: Promise<unknown>): Promise<TeroError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TeroError);
  return error as TeroError;
}

let fake: FakeCartesiaServer;

runVoiceEngineContract('voice-cartesia', {
  vendor: 'cartesia',
  previewContentType: 'audio/wav',
  async setup() {
    fake = await FakeCartesiaServer.start({ apiKey: KEY });
    return { engine: engine({ baseUrl: fake.baseUrl }), fake, ctx };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return engine({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
  },
});

describe('CartesiaVoiceEngine on the wire', () => {
  beforeEach(async () => {
    fake = await FakeCartesiaServer.start({ apiKey: KEY });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('clones from one clip with name, language, similarity mode, description and no enhancement, with its key and version headers', async () => {
    const only = sample(1, 0.5);

    const { voiceId } = await engine({ baseUrl: fake.baseUrl }).cloneVoice(ctx, { name: 'bright-smile (demo)', language: 'es', description: 'Recepción', samples: [only] });

    const [exchange] = fake.exchanges;
    expect(exchange).toMatchObject({ method: 'POST', path: '/voices/clone', status: 200 });
    expect(exchange.headers['x-api-key']).toBe(KEY);
    expect(exchange.headers['cartesia-version']).toBe(CARTESIA_VERSION);
    expect(exchange.fields).toEqual({ name: ['bright-smile (demo)'], language: ['es'], mode: ['similarity'], description: ['Recepción'], enhance: ['false'] });
    expect(exchange.files!.map(({ field, filename, contentType }) => ({ field, filename, contentType }))).toEqual([{ field: 'clip', filename: 'owner-1.wav', contentType: 'audio/wav' }]);
    expect(Buffer.from(fake.storedVoices()[0].clip.data)).toEqual(Buffer.from(only.data));
    expect(fake.storedVoices()[0].id).toBe(voiceId);
  });

  it('joins several samples into one WAV clip holding all their audio in order', async () => {
    const samples = [sample(1, 0.25), sample(2, 0.5)];

    await engine({ baseUrl: fake.baseUrl }).cloneVoice(ctx, { name: 'x', language: 'en', samples });

    const [exchange] = fake.exchanges;
    expect(exchange.files).toHaveLength(1);
    expect(exchange.files![0].filename).toBe('voice-samples.wav');
    const clip = fake.storedVoices()[0].clip.data;
    expect(readWavInfo(clip)).toMatchObject({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, dataBytes: (0.25 + 0.5) * 24_000 * 2 });
    expect(Buffer.from(clip.subarray(44))).toEqual(Buffer.concat(samples.map((s) => Buffer.from(s.data.subarray(44)))));
  });

  it('refuses samples of different formats as voice.rejected without sending anything', async () => {
    const odd = { ...sample(2, 0.25), data: pcmWav(0.25) };
    new DataView(odd.data.buffer).setUint32(24, 16_000, true);

    const error = await caught(engine({ baseUrl: fake.baseUrl }).cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.25), odd] }));

    expect(error).toMatchObject({ code: 'voice.rejected', retryable: false });
    expect(String(error.params.reason)).toContain('clip 2');
    expect(fake.requestCount()).toBe(0);
  });

  it('previews through /tts/bytes with the model, the voice by id, the language and 24 kHz PCM WAV', async () => {
    const cartesia = engine({ baseUrl: fake.baseUrl, model: 'sonic-turbo' });
    const { voiceId } = await cartesia.cloneVoice(ctx, { name: 'x', language: 'fr', samples: [sample(1, 0.5)] });

    const preview = await cartesia.preview(ctx, { voiceId, text: 'Bonjour !', language: 'fr' });

    expect(fake.exchanges[1]).toMatchObject({ method: 'POST', path: '/tts/bytes', status: 200 });
    expect(fake.exchanges[1].json).toEqual({
      model_id: 'sonic-turbo',
      transcript: 'Bonjour !',
      voice: { mode: 'id', id: voiceId },
      language: 'fr',
      output_format: { container: 'wav', encoding: 'pcm_s16le', sample_rate: 24_000 },
    });
    expect(preview.contentType).toBe('audio/wav');
    expect(readWavInfo(preview.audio)?.sampleRate).toBe(24_000);
  });

  it('uses sonic-2 by default, in previews and in the jambonz synthesizer', async () => {
    const cartesia = new CartesiaVoiceEngine({ apiKey: KEY, baseUrl: fake.baseUrl });
    const { voiceId } = await cartesia.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] });

    await cartesia.preview(ctx, { voiceId, text: 'Hi', language: 'en' });

    expect(fake.exchanges[1].json).toMatchObject({ model_id: 'sonic-2' });
    expect(cartesia.synthesizer({ voiceId, language: 'en' })).toEqual({ vendor: 'cartesia', voice: voiceId, language: 'en', options: { model_id: 'sonic-2' } });
  });

  it('refuses a wrong key with voice.rejected keeping the vendor reason, and never puts the key in the error', async () => {
    const error = await caught(engine({ baseUrl: fake.baseUrl, apiKey: 'sk_car_wrong_secret' }).deleteVoice(ctx, 'v'));

    expect(error).toMatchObject({ code: 'voice.rejected', params: { status: 401, reason: 'Invalid API key' } });
    expect(JSON.stringify({ message: error.message, params: error.params })).not.toContain('sk_car_wrong_secret');
  });

  it('keeps the vendor reason of a 400 about the request, and of a plain-text 5xx', async () => {
    const cartesia = engine({ baseUrl: fake.baseUrl });

    const badLanguage = await caught(cartesia.cloneVoice(ctx, { name: 'x', language: 'xx', samples: [sample(1, 0.25)] }));
    fake.failNext(502, 'upstream connect error');
    const down = await caught(cartesia.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.25)] }));

    expect(badLanguage).toMatchObject({ code: 'voice.rejected', params: { status: 400 } });
    expect(String(badLanguage.params.reason)).toMatch(/^language must be one of/);
    expect(down).toMatchObject({ code: 'voice.unavailable', retryable: true, params: { status: 502, reason: 'upstream connect error' } });
  });

  it('turns 429 into a retryable voice.unavailable', async () => {
    fake.failNext(429);

    const error = await caught(engine({ baseUrl: fake.baseUrl }).preview(ctx, { voiceId: 'v', text: 'Hi', language: 'en' }));

    expect(error).toMatchObject({ code: 'voice.unavailable', retryable: true, params: { status: 429, reason: 'Rate limit exceeded' } });
  });

  it('throws voice.not_configured, sending nothing, when no key is configured anywhere', async () => {
    const cartesia = new CartesiaVoiceEngine({ baseUrl: fake.baseUrl });

    const errors = [
      await caught(cartesia.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] })),
      await caught(cartesia.preview(ctx, { voiceId: 'v', text: 'Hi', language: 'en' })),
      await caught(cartesia.deleteVoice(ctx, 'v')),
    ];

    expect(errors.map((e) => [e.code, e.retryable])).toEqual([
      ['voice.not_configured', false],
      ['voice.not_configured', false],
      ['voice.not_configured', false],
    ]);
    expect(fake.requestCount()).toBe(0);
  });
});

describe('cartesiaReason', () => {
  it('reads JSON error bodies and plain text', () => {
    expect(cartesiaReason('{"error":"voice not found"}')).toBe('voice not found');
    expect(cartesiaReason('{"message":"clip too long"}')).toBe('clip too long');
    expect(cartesiaReason('{"error":{"code":"bad_clip"}}')).toBe('{"code":"bad_clip"}');
    expect(cartesiaReason('Bad Gateway\n')).toBe('Bad Gateway');
    expect(cartesiaReason('')).toBe('(empty body)');
  });
});

describe('voice-cartesia plugin', () => {
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
    expect(instance).toEqual({ baseUrl: 'https://api.cartesia.ai', model: 'sonic-2' });
    expect(ajv.compile(manifest.tenantConfig)({ apiKey: 'sk_car_brand' })).toBe(true);
    expect(ajv.compile(manifest.tenantConfig)({ model: 'sonic' })).toBe(false);
  });

  it('refuses a base URL that is not http(s) naming the key', () => {
    expect(() => new CartesiaVoiceEngine({ baseUrl: 'file:///etc' })).toThrow(PluginConfigError);
    expect(() => new CartesiaVoiceEngine({ baseUrl: 'file:///etc' })).toThrow(/baseUrl/);
  });
});
