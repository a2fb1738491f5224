import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AudioFormat, detectAudioFormat } from './audio-format';
import { AudioToolError, type AudioTools } from './audio-tools';
import { type PcmMeasures, measurePcm } from './pcm-measures';
import { SAMPLE_RATE, wavFile } from './wav';

/** `ok`: good to clone from; `warning`: usable, but the owner should know; `refused`: not kept. */
export type Verdict = 'ok' | 'warning' | 'refused';

/**
 * Why a file or a set of files got its verdict: a code translated as `voices:reason.<code>` with its
 * params (seconds, percents, dBFS, rates), so the page says it in the reader's language.
 */
export interface VerdictReason {
  code: string;
  level: Exclude<Verdict, 'ok'>;
  params: Record<string, string | number>;
}

/** What the analysis found in one file. */
export interface SampleReport {
  fileName: string;
  format: AudioFormat | null;
  codec: string | null;
  /** Sample rate of the file as uploaded (before resampling to 24 kHz). */
  sourceSampleRate: number | null;
  channels: number | null;
  durationSeconds: number;
  clippingRatio: number | null;
  silenceRatio: number | null;
  speechDbfs: number | null;
  verdict: Verdict;
  reasons: VerdictReason[];
}

/** A file analysed: its report, and the normalized WAV (PCM 16-bit, mono, 24 kHz) unless it was refused. */
export interface AnalyzedSample {
  report: SampleReport;
  wav: Buffer | null;
}

/** The thresholds, in one place (the docs quote them). */
export const SAMPLE_LIMITS = {
  /** Below this source rate, the voice lacks the detail a clone needs (telephone audio is 8 kHz). */
  minSampleRate: 16_000,
  minFileSeconds: 3,
  /** Share of silent windows over which a file is refused, and over which it is flagged. */
  maxSilence: 0.9,
  warnSilence: 0.6,
  /** Share of clipped samples over which a file is refused, and over which it is flagged. */
  maxClipping: 0.01,
  warnClipping: 0.001,
  /** Speech level (dBFS) under which a file is refused, and under which it is flagged. */
  minSpeechDbfs: -40,
  warnQuietDbfs: -30,
  /** Speech level (dBFS) over which a file is flagged as too loud. */
  warnLoudDbfs: -8,
} as const;

/** What the whole set of samples should add up to. */
export const TOTAL_LIMITS = {
  minSeconds: 30,
  recommendedMinSeconds: 60,
  recommendedMaxSeconds: 180,
  maxSeconds: 600,
} as const;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const percent = (ratio: number) => round(ratio * 100, 1);

function verdictOf(reasons: VerdictReason[]): Verdict {
  if (reasons.some((r) => r.level === 'refused')) return 'refused';
  return reasons.length ? 'warning' : 'ok';
}

/** The reasons a decoded file's measures give (pure: the unit tests feed it generated audio). */
export function judgeMeasures(measures: PcmMeasures, sourceSampleRate: number): VerdictReason[] {
  const L = SAMPLE_LIMITS;
  const reasons: VerdictReason[] = [];
  const add = (code: string, level: VerdictReason['level'], params: VerdictReason['params'] = {}) => reasons.push({ code, level, params });
  if (sourceSampleRate > 0 && sourceSampleRate < L.minSampleRate) add('sample_rate_low', 'refused', { rate: sourceSampleRate, min: L.minSampleRate });
  if (measures.durationSeconds < L.minFileSeconds) add('file_too_short', 'refused', { seconds: round(measures.durationSeconds), min: L.minFileSeconds });
  if (measures.silenceRatio > L.maxSilence) {
    // A silent file is only that: its level and clipping mean nothing.
    add('silent', 'refused', { percent: percent(measures.silenceRatio) });
    return reasons;
  }
  if (measures.silenceRatio > L.warnSilence) add('mostly_silent', 'warning', { percent: percent(measures.silenceRatio) });
  if (measures.clippingRatio > L.maxClipping) add('clipped', 'refused', { percent: percent(measures.clippingRatio) });
  else if (measures.clippingRatio > L.warnClipping) add('some_clipping', 'warning', { percent: percent(measures.clippingRatio) });
  const dbfs = round(measures.speechDbfs);
  if (measures.speechDbfs < L.minSpeechDbfs) add('too_quiet', 'refused', { dbfs, min: L.minSpeechDbfs });
  else if (measures.speechDbfs < L.warnQuietDbfs) add('quiet', 'warning', { dbfs });
  else if (measures.speechDbfs > L.warnLoudDbfs && measures.clippingRatio <= L.maxClipping) add('too_loud', 'warning', { dbfs });
  return reasons;
}

function refusedReport(fileName: string, format: AudioFormat | null, code: string, params: VerdictReason['params'] = {}): AnalyzedSample {
  return {
    report: { fileName, format, codec: null, sourceSampleRate: null, channels: null, durationSeconds: 0, clippingRatio: null, silenceRatio: null, speechDbfs: null, verdict: 'refused', reasons: [{ code, level: 'refused', params }] },
    wav: null,
  };
}

/**
 * Analyses one uploaded file: its real format by its bytes (a text file named `.wav` is "not an audio
 * file"), its stream by ffprobe, its audio decoded by ffmpeg to PCM mono 24 kHz and measured (length,
 * source rate, clipping, silence, level). Never throws for a bad file: the report says why it is refused.
 * Throws `AudioToolError` (`missing`) when ffmpeg or ffprobe is not installed.
 */
export async function analyzeSample(tools: AudioTools, fileName: string, data: Uint8Array): Promise<AnalyzedSample> {
  const format = detectAudioFormat(data);
  if (!format) return refusedReport(fileName, null, 'not_audio');
  const dir = await mkdtemp(join(tmpdir(), 'tero-voice-'));
  try {
    const path = join(dir, `sample.${format}`);
    await writeFile(path, data, { mode: 0o600 });
    let probed: Awaited<ReturnType<AudioTools['probe']>>;
    let pcm: Int16Array;
    try {
      probed = await tools.probe(path);
      if (!probed) return refusedReport(fileName, format, 'unreadable');
      pcm = await tools.decode(path);
    } catch (error) {
      if (error instanceof AudioToolError && error.reason !== 'missing') return refusedReport(fileName, format, error.reason === 'too_long' ? 'file_too_long' : 'unreadable', { max: TOTAL_LIMITS.maxSeconds });
      throw error;
    }
    const measures = measurePcm(pcm, SAMPLE_RATE);
    const reasons = judgeMeasures(measures, probed.sampleRate);
    const verdict = verdictOf(reasons);
    return {
      report: {
        fileName,
        format,
        codec: probed.codec,
        sourceSampleRate: probed.sampleRate || null,
        channels: probed.channels || null,
        durationSeconds: round(measures.durationSeconds, 2),
        clippingRatio: measures.clippingRatio,
        silenceRatio: measures.silenceRatio,
        speechDbfs: round(measures.speechDbfs),
        verdict,
        reasons,
      },
      wav: verdict === 'refused' ? null : wavFile(pcm),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The verdict on the accepted samples together: enough voice to clone, and not an absurd amount. */
export interface TotalReport {
  totalSeconds: number;
  verdict: Verdict;
  reasons: VerdictReason[];
}

/** Judges the total length of the accepted samples (refused files count for nothing). */
export function assessTotal(durations: number[]): TotalReport {
  const L = TOTAL_LIMITS;
  const totalSeconds = round(durations.reduce((sum, d) => sum + d, 0));
  const reasons: VerdictReason[] = [];
  if (totalSeconds < L.minSeconds) reasons.push({ code: 'total_too_short', level: 'refused', params: { seconds: totalSeconds, min: L.minSeconds } });
  else if (totalSeconds > L.maxSeconds) reasons.push({ code: 'total_too_long', level: 'refused', params: { seconds: totalSeconds, max: L.maxSeconds / 60 } });
  else if (totalSeconds < L.recommendedMinSeconds || totalSeconds > L.recommendedMaxSeconds) {
    reasons.push({ code: 'total_outside_recommended', level: 'warning', params: { seconds: totalSeconds, from: L.recommendedMinSeconds / 60, to: L.recommendedMaxSeconds / 60 } });
  }
  return { totalSeconds, verdict: verdictOf(reasons), reasons };
}
