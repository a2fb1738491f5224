import { SAMPLE_RATE } from '../wav';

/**
 * Generated audio for tests of the sample analysis: a speech-like signal (a voiced tone with harmonics,
 * in syllables and phrases with pauses between them), silence, and clipped or quiet versions.
 */
export interface SpeechOptions {
  /** RMS level of the voiced parts, dBFS. Default -20. */
  levelDbfs?: number;
  sampleRate?: number;
  /** Gain applied after generation, then clamped to 16 bits (4 clips hard). Default 1. */
  gain?: number;
}

/** A deterministic pseudo-random generator (tests must not depend on Math.random). */
function noise(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff) * 2 - 1;
  };
}

/** Speech-like PCM: 0.25 s syllables with short gaps, a 0.5 s pause every 2.5 s, pitch gliding 110–160 Hz. */
export function speechLike(seconds: number, options: SpeechOptions = {}): Int16Array {
  const rate = options.sampleRate ?? SAMPLE_RATE;
  const level = 32768 * 10 ** ((options.levelDbfs ?? -20) / 20);
  const gain = options.gain ?? 1;
  const random = noise(7);
  const out = new Int16Array(Math.round(seconds * rate));
  let phase = 0;
  // Harmonic amplitudes (1, 1/2, 1/3, 1/4) have an RMS of about 0.85 over their sum; scaled to `level`.
  const scale = (level * Math.SQRT2) / Math.sqrt(1 + 1 / 4 + 1 / 9 + 1 / 16);
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const inPhrase = t % 2.5 < 2.0;
    const syllable = (t % 0.33) / 0.33;
    const envelope = inPhrase && syllable < 0.76 ? Math.sin((Math.PI * syllable) / 0.76) ** 0.5 : 0;
    const pitch = 135 + 25 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * pitch) / rate;
    const voiced = Math.sin(phase) + Math.sin(2 * phase) / 2 + Math.sin(3 * phase) / 3 + Math.sin(4 * phase) / 4;
    const value = (scale * envelope * voiced + 20 * random()) * gain;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(value)));
  }
  return out;
}

/** Digital silence with a faint hiss (-70 dBFS), as a muted microphone records. */
export function silence(seconds: number, sampleRate = SAMPLE_RATE): Int16Array {
  const random = noise(11);
  const out = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(10 * random());
  return out;
}
