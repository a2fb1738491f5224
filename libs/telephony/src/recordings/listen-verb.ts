import type { JambonzVerb } from '../jambonz-verbs';
import { ListenAuth } from './listen-auth';

/** Where jambonz opens a call's listen stream (WebSocket), on our public host. */
export const LISTEN_PATH = '/hooks/jambonz/listen';
/** The subprotocol jambonz's audio fork asks for. */
export const LISTEN_SUBPROTOCOL = 'audio.jambonz.org';
/** Rates jambonz streams L16 at. */
export const LISTEN_SAMPLE_RATES = [8000, 16000, 24000, 32000, 44100, 48000, 64000] as const;
/**
 * `mono`: the caller only; `mixed`: both sides in one channel; `stereo`: the caller left, the other
 * side (the agent's speech, or the transferred party) right.
 */
export const LISTEN_MIX_TYPES = ['mono', 'mixed', 'stereo'] as const;
export type ListenMixType = (typeof LISTEN_MIX_TYPES)[number];

/** The longest recording kept, in seconds: longer than any call's session (4 h). */
export const DEFAULT_MAX_RECORDING_SECONDS = 4 * 3600;

/** How calls are recorded through `listen`: where the stream goes, its credentials and its format. */
export interface ListenSettings {
  /** `wss://<public host>/hooks/jambonz/listen` (absolute: jambonz resolves a relative one to http(s)). */
  url: string;
  auth: ListenAuth;
  sampleRate: (typeof LISTEN_SAMPLE_RATES)[number];
  mixType: ListenMixType;
  /** jambonz ends the stream after this many seconds (and we keep no more). */
  maxSeconds: number;
}

export interface ListenSettingsInput {
  /** `PUBLIC_URL`: its scheme and host (http → ws, https → wss). */
  publicUrl: string;
  /** `APP_SECRET`, from which each call's credentials are derived. */
  appSecret: string;
  /** Default 8000: the telephone network carries nothing above 4 kHz. */
  sampleRate?: ListenSettings['sampleRate'];
  /** Default `mixed`: both sides of the conversation, half the size of `stereo`. */
  mixType?: ListenMixType;
  maxSeconds?: number;
}

/** Channels in a stream of `mixType`. */
export function listenChannelsOf(mixType: ListenMixType): number {
  return mixType === 'stereo' ? 2 : 1;
}

/** The WebSocket URL of the listen endpoint for a public URL: `https://voice.example.com` → `wss://voice.example.com/hooks/jambonz/listen`. */
export function listenUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`PUBLIC_URL must be http(s), not ${url.protocol}`);
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${LISTEN_PATH}`;
}

export function listenSettings(input: ListenSettingsInput): ListenSettings {
  const sampleRate = input.sampleRate ?? 8000;
  const mixType = input.mixType ?? 'mixed';
  const maxSeconds = input.maxSeconds ?? DEFAULT_MAX_RECORDING_SECONDS;
  if (!LISTEN_SAMPLE_RATES.includes(sampleRate)) throw new Error(`sampleRate ${sampleRate} is not one jambonz streams at (${LISTEN_SAMPLE_RATES.join(', ')})`);
  if (!LISTEN_MIX_TYPES.includes(mixType)) throw new Error(`mixType must be one of ${LISTEN_MIX_TYPES.join(', ')}`);
  if (!Number.isInteger(maxSeconds) || maxSeconds < 1) throw new Error('maxSeconds must be a positive whole number');
  return { url: listenUrl(input.publicUrl), auth: new ListenAuth(input.appSecret), sampleRate, mixType, maxSeconds };
}

/**
 * The verb that starts recording a call: jambonz's `config` with a background `listen`, which streams
 * the call's audio to our endpoint for the rest of the call while the other verbs go on (a `listen`
 * verb of its own would hold the call until it ends). Sent right after the recording notice is said.
 * No audio comes back on the stream (bidirectional audio off).
 */
export function listenConfigVerb(callSid: string, settings: ListenSettings): JambonzVerb {
  return {
    verb: 'config',
    listen: {
      enable: true,
      url: settings.url,
      sampleRate: settings.sampleRate,
      mixType: settings.mixType,
      wsAuth: settings.auth.credentialsFor(callSid),
      maxLength: settings.maxSeconds,
      bidirectionalAudio: { enabled: false },
    },
  };
}
