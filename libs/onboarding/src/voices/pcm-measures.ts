/**
 * Measurements of decoded audio (PCM signed 16-bit, mono), pure so that they are tested on generated
 * signals: how much of it is clipped, how much is silence, how loud the speech is.
 */

/** Full scale of signed 16-bit audio. */
const FULL_SCALE = 32768;
/** A sample this close to full scale (about -0.1 dBFS) counts as clipped. */
export const CLIP_LEVEL = 32400;
/** Length of the windows silence is judged on: short enough to catch the pauses between phrases. */
export const SILENCE_WINDOW_MS = 50;
/** A window quieter than this (RMS) is silence: room noise, not a voice. */
export const SILENCE_THRESHOLD_DBFS = -50;
/** What a window of digital silence measures, instead of minus infinity. */
export const FLOOR_DBFS = -120;

export interface PcmMeasures {
  durationSeconds: number;
  /** Share of samples at full scale (0–1). */
  clippingRatio: number;
  /** Share of {@link SILENCE_WINDOW_MS} windows under {@link SILENCE_THRESHOLD_DBFS} (0–1). */
  silenceRatio: number;
  /** RMS level of the windows that are not silence (the voice), in dBFS; {@link FLOOR_DBFS} when all is silence. */
  speechDbfs: number;
  /** Highest absolute sample, in dBFS. */
  peakDbfs: number;
}

/** 20·log10 of a linear level over full scale, floored at {@link FLOOR_DBFS}. */
export function toDbfs(level: number): number {
  if (level <= 0) return FLOOR_DBFS;
  return Math.max(FLOOR_DBFS, 20 * Math.log10(level / FULL_SCALE));
}

/** Share of samples at or beyond {@link CLIP_LEVEL}. */
export function clippingRatio(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let clipped = 0;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]!) >= CLIP_LEVEL) clipped++;
  return clipped / pcm.length;
}

/** RMS (linear) of `pcm[from, to)`. */
export function rms(pcm: Int16Array, from = 0, to = pcm.length): number {
  if (to <= from) return 0;
  let sum = 0;
  for (let i = from; i < to; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / (to - from));
}

/**
 * Silence and speech level together, from one pass of short windows: the share of windows under the
 * threshold, and the RMS of the others (the level a listener hears while the owner speaks).
 */
export function windowLevels(pcm: Int16Array, sampleRate: number): { silenceRatio: number; speechDbfs: number } {
  const size = Math.max(1, Math.round((sampleRate * SILENCE_WINDOW_MS) / 1000));
  const threshold = FULL_SCALE * 10 ** (SILENCE_THRESHOLD_DBFS / 20);
  let windows = 0;
  let silent = 0;
  let voicedSquares = 0;
  let voicedSamples = 0;
  for (let from = 0; from < pcm.length; from += size) {
    const to = Math.min(pcm.length, from + size);
    const level = rms(pcm, from, to);
    windows++;
    if (level < threshold) {
      silent++;
    } else {
      voicedSquares += level * level * (to - from);
      voicedSamples += to - from;
    }
  }
  return {
    silenceRatio: windows === 0 ? 1 : silent / windows,
    speechDbfs: voicedSamples === 0 ? FLOOR_DBFS : toDbfs(Math.sqrt(voicedSquares / voicedSamples)),
  };
}

/** Every measure of a decoded sample. */
export function measurePcm(pcm: Int16Array, sampleRate: number): PcmMeasures {
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
  return {
    durationSeconds: pcm.length / sampleRate,
    clippingRatio: clippingRatio(pcm),
    ...windowLevels(pcm, sampleRate),
    peakDbfs: toDbfs(peak),
  };
}
