import type { TenantContext } from '../context';
import { definePort } from '../port';

/**
 * One recording of the owner's voice, already validated by the platform (format, length, levels) and
 * normalized to WAV: PCM 16-bit little-endian, mono, 24 kHz, so that an engine may join several
 * samples into one clip without decoding anything.
 */
export interface VoiceSample {
  /** File name, kept for the vendor's records: `owner-1.wav`. */
  filename: string;
  /** Always `audio/wav` (see above). */
  contentType: 'audio/wav';
  data: Uint8Array;
  /** Seconds of audio in the file, as measured by the platform. */
  durationSeconds: number;
}

export interface CloneVoiceInput {
  /** Shown in the vendor's console: `<client slug> (<brand slug>)`. */
  name: string;
  /** BCP 47 base language of the samples and of the calls: `en`, `es`, `fr`. */
  language: string;
  description?: string;
  samples: VoiceSample[];
}

/** A voice the vendor created. */
export interface ClonedVoice {
  /** The vendor's id of the voice, stored on the client and used by every call. */
  voiceId: string;
}

export interface VoicePreviewInput {
  voiceId: string;
  /** What the voice says; at most 500 characters. */
  text: string;
  language: string;
}

/** Synthesized audio, ready to be served to a browser `<audio>` element. */
export interface VoicePreview {
  audio: Uint8Array;
  /** `audio/mpeg` or `audio/wav`. */
  contentType: string;
}

/**
 * The jambonz `synthesizer` settings that make a call speak with a voice (`config.synthesizer`, or a
 * `say` verb's own `synthesizer`): `{ vendor, voice, language, label?, options? }`.
 */
export interface SynthesizerSettings {
  /** jambonz speech vendor: `elevenlabs`, `cartesia`. */
  vendor: string;
  voice: string;
  language: string;
  /** Speech-credential label in jambonz when the client or brand brings its own key. */
  label?: string;
  /** Vendor options jambonz passes through (model, stability…). */
  options?: Record<string, unknown>;
}

/** A stored voice: what {@link VoiceEngine.synthesizer} needs to describe it. */
export interface VoiceRef {
  voiceId: string;
  language: string;
  /** jambonz speech-credential label, when the tenant's own key was pushed to jambonz. */
  label?: string;
}

/**
 * A text-to-speech vendor that clones voices. Errors are `TeroError`s:
 * - `voice.rejected` (not retryable, `status` 400–499 from the vendor, its reason in `params.reason`):
 *   the vendor refused the request (bad key, bad sample, quota);
 * - `voice.unavailable` (retryable): the vendor answered 5xx, timed out or could not be reached.
 */
export interface VoiceEngine {
  /** The jambonz vendor name this engine's voices are spoken by: `elevenlabs`, `cartesia`. */
  readonly vendor: string;
  cloneVoice(ctx: TenantContext, input: CloneVoiceInput): Promise<ClonedVoice>;
  preview(ctx: TenantContext, input: VoicePreviewInput): Promise<VoicePreview>;
  /** Deletes the vendor's voice. A voice the vendor no longer knows counts as deleted (no error). */
  deleteVoice(ctx: TenantContext, voiceId: string): Promise<void>;
  /** Pure: the jambonz settings for a stored voice. */
  synthesizer(voice: VoiceRef): SynthesizerSettings;
}

/** Port token for voice engines: `registry.get(VOICE, ctx, 'voice-elevenlabs')`. */
export const VOICE = definePort<VoiceEngine>('voice', 1);
