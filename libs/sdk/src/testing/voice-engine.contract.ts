import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import type { VoiceEngine, VoiceSample } from '../ports/voice.port';

/**
 * A fault the fake vendor answers its next request with:
 * - a number: that HTTP status, with the vendor's usual error body for it (401 a bad key, 422 a
 *   validation error, 429 too many requests, 5xx a server error); `reason` goes into the body's message;
 * - `hang`: the connection is accepted and never answered;
 * - `reset`: the connection is destroyed before any answer.
 */
export type VoiceVendorFault = number | 'hang' | 'reset';

/** A voice the fake vendor holds, in port terms. */
export interface VoiceVendorFakeVoice {
  voiceId: string;
  name: string;
  description?: string;
  /** The language the vendor recorded for the voice (a field or a label), when it takes one. */
  language?: string;
  /** Seconds of audio the vendor received for the voice, summed over its files, read from their WAV headers. */
  audioSeconds: number;
}

/**
 * What the contract needs from a plugin's local fake vendor; each plugin's fake offers more (its
 * exchanges, its wire-level checks).
 */
export interface VoiceVendorFake {
  /** The voices the vendor holds now, oldest first. */
  voices(): VoiceVendorFakeVoice[];
  /** Queues a fault for the next request (faults queue up, one per request). */
  failNext(fault: VoiceVendorFault, reason?: string): void;
  /** How many HTTP requests reached the fake so far. */
  requestCount(): number;
}

/** What {@link VoiceEngineContractHarness.setup} returns for one test. */
export interface VoiceEngineContractFixture {
  /**
   * The engine under test, pointed at the running fake, with every request timeout (cloning included)
   * set to {@link VOICE_CONTRACT_TIMEOUT_MS}.
   */
  engine: VoiceEngine;
  /** The fake vendor behind it. */
  fake: VoiceVendorFake;
  /** The tenant every call of the test is made for. */
  ctx: TenantContext;
}

/**
 * How the contract reaches a plugin's engine and its local fake vendor. Tests never call a real vendor:
 * start a local fake (a `node:http` server speaking the vendor's API) on a random port in `setup()` and
 * stop it, hanging connections included, in `teardown()`.
 */
export interface VoiceEngineContractHarness {
  /** The jambonz vendor name the engine reports: `elevenlabs`. */
  vendor: string;
  /** The content type of the engine's previews: `audio/mpeg`, `audio/wav`. */
  previewContentType: 'audio/mpeg' | 'audio/wav';
  /** Starts a fresh fake vendor and an engine pointed at it. Called before each case. */
  setup(): Promise<VoiceEngineContractFixture>;
  /** Stops what `setup()` started. Called after each case, also when it failed. */
  teardown(): Promise<void>;
  /** An engine configured like the real one but pointed at a closed port on 127.0.0.1. */
  unreachable(): Promise<VoiceEngine>;
}

/** Short enough to keep the suite quick, long enough for a loopback answer with a few samples. */
export const VOICE_CONTRACT_TIMEOUT_MS = 1_500;

const PCM_RATE = 24_000;

/**
 * A WAV file in the platform's normalized sample format (PCM 16-bit little-endian, mono, 24 kHz): a
 * tone of `frequency` Hz lasting `seconds`, so that fakes and specs have real audio to read.
 */
export function pcmWav(seconds: number, frequency = 220): Uint8Array {
  const frames = Math.round(seconds * PCM_RATE);
  const bytes = new Uint8Array(44 + frames * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + frames * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, PCM_RATE, true);
  view.setUint32(28, PCM_RATE * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, frames * 2, true);
  for (let i = 0; i < frames; i++) {
    view.setInt16(44 + i * 2, Math.round(8_000 * Math.sin((2 * Math.PI * frequency * i) / PCM_RATE)), true);
  }
  return bytes;
}

/** The PCM format and length of a WAV file, read from its chunks. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes in the `data` chunk. */
  dataBytes: number;
  durationSeconds: number;
}

/** Reads a WAV file's `fmt ` and `data` chunks; `undefined` when the bytes are not a PCM WAV file. */
export function readWavInfo(bytes: Uint8Array): WavInfo | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let format: Omit<WavInfo, 'dataBytes' | 'durationSeconds'> | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const size = view.getUint32(offset + 4, true);
    if (tag(offset) === 'fmt ' && size >= 16 && offset + 24 <= bytes.length) {
      if (view.getUint16(offset + 8, true) !== 1) return undefined;
      format = { channels: view.getUint16(offset + 10, true), sampleRate: view.getUint32(offset + 12, true), bitsPerSample: view.getUint16(offset + 22, true) };
    } else if (tag(offset) === 'data') {
      if (!format) return undefined;
      const dataBytes = Math.min(size, bytes.length - offset - 8);
      const frameBytes = format.channels * (format.bitsPerSample / 8);
      return { ...format, dataBytes, durationSeconds: frameBytes > 0 ? dataBytes / frameBytes / format.sampleRate : 0 };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

function sample(index: number, seconds: number): VoiceSample {
  return { filename: `owner-${index}.wav`, contentType: 'audio/wav', data: pcmWav(seconds, 180 + 40 * index), durationSeconds: seconds };
}

/** Whether the bytes start like a file of the content type: an MPEG audio frame (or ID3 tag), or a WAV file. */
function looksLike(contentType: string, audio: Uint8Array): boolean {
  if (contentType === 'audio/wav') return readWavInfo(audio) !== undefined;
  const id3 = audio[0] === 0x49 && audio[1] === 0x44 && audio[2] === 0x33;
  return id3 || (audio[0] === 0xff && (audio[1] & 0xe0) === 0xe0);
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it resolved');
}

function expectTeroError(error: unknown, code: string, retryable: boolean): TeroError {
  expect(error).toBeInstanceOf(TeroError);
  expect({ code: (error as TeroError).code, retryable: (error as TeroError).retryable }).toEqual({ code, retryable });
  return error as TeroError;
}

/**
 * The conformance suite of the {@link VoiceEngine} port. Every voice plugin runs it, in a spec beside its
 * engine, against its own local fake vendor:
 *
 * ```ts
 * import { runVoiceEngineContract, VOICE_CONTRACT_TIMEOUT_MS } from '@tero/sdk/testing';
 *
 * runVoiceEngineContract('voice-elevenlabs', {
 *   vendor: 'elevenlabs',
 *   previewContentType: 'audio/mpeg',
 *   async setup() { … start a fake, return { engine, fake, ctx } },
 *   async teardown() { … stop it },
 *   async unreachable() { … an engine pointed at a closed port },
 * });
 * ```
 *
 * It defines one Jest `describe` block named after the plugin, checking that:
 * - cloning from one sample, and from several, gives a voice id the vendor holds, with all the audio;
 * - a preview is non-empty audio of the advertised content type;
 * - deleting removes the voice, and deleting a voice the vendor does not know resolves;
 * - `synthesizer()` describes vendor, voice, language and label;
 * - a vendor 401 or 422 throws `voice.rejected` (not retryable, the vendor's reason in `params.reason`);
 * - a 5xx, a vendor that never answers, a reset connection and an unreachable vendor throw a retryable
 *   `voice.unavailable`;
 * - an empty sample list is refused (`voice.rejected`) before any request.
 */
export function runVoiceEngineContract(name: string, harness: VoiceEngineContractHarness): void {
  describe(`VoiceEngine contract: ${name}`, () => {
    let fixture: VoiceEngineContractFixture;

    beforeEach(async () => {
      fixture = await harness.setup();
    });

    afterEach(async () => {
      await harness.teardown();
    });

    it('reports its jambonz vendor name', () => {
      expect(fixture.engine.vendor).toBe(harness.vendor);
    });

    it('clones a voice from one sample into a voice the vendor holds', async () => {
      const { engine, fake, ctx } = fixture;

      const cloned = await engine.cloneVoice(ctx, { name: 'bright-smile (demo)', language: 'en', description: 'Front desk', samples: [sample(1, 1.5)] });

      expect(typeof cloned.voiceId).toBe('string');
      expect(cloned.voiceId).not.toBe('');
      const voices = fake.voices();
      expect(voices.map((voice) => voice.voiceId)).toEqual([cloned.voiceId]);
      expect(voices[0]).toMatchObject({ name: 'bright-smile (demo)', language: 'en', description: 'Front desk' });
      expect(voices[0].audioSeconds).toBeCloseTo(1.5, 2);
    });

    it('clones a voice from several samples, all of their audio reaching the vendor', async () => {
      const { engine, fake, ctx } = fixture;
      const samples = [sample(1, 0.5), sample(2, 0.75), sample(3, 1)];

      const cloned = await engine.cloneVoice(ctx, { name: 'Clínica Sonrisa (demo)', language: 'es', samples });

      const voice = fake.voices().find((v) => v.voiceId === cloned.voiceId);
      expect(voice).toMatchObject({ name: 'Clínica Sonrisa (demo)', language: 'es' });
      expect(voice!.audioSeconds).toBeCloseTo(2.25, 2);
    });

    it('previews a cloned voice as non-empty audio of the advertised content type', async () => {
      const { engine, ctx } = fixture;
      const { voiceId } = await engine.cloneVoice(ctx, { name: 'preview', language: 'fr', samples: [sample(1, 1)] });

      const preview = await engine.preview(ctx, { voiceId, text: 'Bonjour, cabinet dentaire, que puis-je faire pour vous ?', language: 'fr' });

      expect(preview.contentType).toBe(harness.previewContentType);
      expect(preview.audio.length).toBeGreaterThan(0);
      expect(looksLike(harness.previewContentType, preview.audio)).toBe(true);
    });

    it('deletes a voice, and deleting a voice the vendor does not know resolves', async () => {
      const { engine, fake, ctx } = fixture;
      const kept = await engine.cloneVoice(ctx, { name: 'kept', language: 'en', samples: [sample(1, 0.5)] });
      const gone = await engine.cloneVoice(ctx, { name: 'gone', language: 'en', samples: [sample(2, 0.5)] });

      await engine.deleteVoice(ctx, gone.voiceId);

      expect(fake.voices().map((voice) => voice.voiceId)).toEqual([kept.voiceId]);
      await expect(engine.deleteVoice(ctx, gone.voiceId)).resolves.toBeUndefined();
      expect(fake.voices().map((voice) => voice.voiceId)).toEqual([kept.voiceId]);
    });

    it('describes a stored voice for jambonz, with and without a credential label', () => {
      const { engine } = fixture;

      const plain = engine.synthesizer({ voiceId: 'v-123', language: 'es' });
      const labelled = engine.synthesizer({ voiceId: 'v-456', language: 'fr', label: 'brand-demo' });

      expect(plain).toMatchObject({ vendor: harness.vendor, voice: 'v-123', language: 'es' });
      expect(plain.label).toBeUndefined();
      expect(labelled).toMatchObject({ vendor: harness.vendor, voice: 'v-456', language: 'fr', label: 'brand-demo' });
    });

    for (const status of [401, 422]) {
      it(`turns a vendor ${status} into voice.rejected (not retryable) keeping the vendor's reason`, async () => {
        const { engine, fake, ctx } = fixture;
        fake.failNext(status, `scripted refusal ${status}`);

        const error = expectTeroError(await caught(() => engine.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] })), 'voice.rejected', false);

        expect(error.params.status).toBe(status);
        expect(String(error.params.reason)).toContain(`scripted refusal ${status}`);
        expect(fake.voices()).toEqual([]);
      });
    }

    for (const fault of [500, 503, 'hang', 'reset'] as const) {
      it(`turns ${typeof fault === 'number' ? `a vendor ${fault}` : `a ${fault}`} into a retryable voice.unavailable, for every call`, async () => {
        const { engine, fake, ctx } = fixture;
        const { voiceId } = await engine.cloneVoice(ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] });
        fake.failNext(fault);
        fake.failNext(fault);
        fake.failNext(fault);

        expectTeroError(await caught(() => engine.cloneVoice(ctx, { name: 'y', language: 'en', samples: [sample(2, 0.5)] })), 'voice.unavailable', true);
        expectTeroError(await caught(() => engine.preview(ctx, { voiceId, text: 'Hello', language: 'en' })), 'voice.unavailable', true);
        expectTeroError(await caught(() => engine.deleteVoice(ctx, voiceId)), 'voice.unavailable', true);
        expect(fake.voices().map((voice) => voice.voiceId)).toEqual([voiceId]);
      });
    }

    it('throws a retryable voice.unavailable when the vendor cannot be reached', async () => {
      const engine = await harness.unreachable();

      expectTeroError(await caught(() => engine.cloneVoice(fixture.ctx, { name: 'x', language: 'en', samples: [sample(1, 0.5)] })), 'voice.unavailable', true);
      expectTeroError(await caught(() => engine.deleteVoice(fixture.ctx, 'v-1')), 'voice.unavailable', true);
    });

    it('refuses an empty sample list before sending anything', async () => {
      const { engine, fake, ctx } = fixture;

      const error = await caught(() => engine.cloneVoice(ctx, { name: 'x', language: 'en', samples: [] }));

      expectTeroError(error, 'voice.rejected', false);
      expect(fake.requestCount()).toBe(0);
    });
  });
}
