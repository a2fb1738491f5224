import {
  PluginConfigError,
  httpUrlSetting,
  positiveIntegerSetting,
  TeroError,
  type ClonedVoice,
  type CloneVoiceInput,
  type PluginLogger,
  type SynthesizerSettings,
  type TenantContext,
  type VoiceEngine,
  type VoicePreview,
  type VoicePreviewInput,
  type VendorAnswer,
  type VoiceRef,
  vendorRequest,
} from '@tero/sdk';
import { joinWavClips, WavClipError } from './wav-clips';

/** The plugin's effective configuration: instance settings (`VOICE_CARTESIA_<KEY>`) with the tenant's key laid over them. */
export interface CartesiaVoiceConfig {
  /** Sent in `X-API-Key`. Without one (instance or tenant), every call throws `voice.not_configured`. */
  apiKey?: string;
  /** API root: `https://api.cartesia.ai`, or a proxy. */
  baseUrl?: string;
  /** Text-to-speech model of previews and calls. */
  model?: string;
  /** Upper bound of every request when set; otherwise 30 s, and 120 s for cloning uploads. */
  timeoutMs?: number;
}

/** The manifest's defaults, for an engine built outside the loader (tests, the CLI). */
export const DEFAULT_CARTESIA_BASE_URL = 'https://api.cartesia.ai';
export const DEFAULT_CARTESIA_MODEL = 'sonic-2';
/** The API version the engine is written against, sent in `Cartesia-Version`. */
export const CARTESIA_VERSION = '2024-11-13';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Uploading minutes of WAV and having the vendor process it takes far longer than speech. */
const DEFAULT_CLONE_TIMEOUT_MS = 120_000;
/** Previews come back in the platform's sample format, which browsers play as they are. */
const PREVIEW_SAMPLE_RATE = 24_000;
/** Enough of a vendor's error body to explain it. */
const REASON_LIMIT = 500;

/** Resolved once per engine. */
interface CartesiaSettings {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  cloneTimeoutMs: number;
}

/**
 * Checks the configuration an engine is built from. Throws `PluginConfigError` naming the key: the
 * manifest's schema is checked at boot and on save, but an engine may also be built from code.
 */
function resolveSettings(config: CartesiaVoiceConfig): CartesiaSettings {
  const url = httpUrlSetting('voice-cartesia', 'baseUrl', config.baseUrl ?? DEFAULT_CARTESIA_BASE_URL, 'https://api.cartesia.ai');
  const timeoutMs = positiveIntegerSetting('voice-cartesia', 'timeoutMs', config.timeoutMs);
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    apiKey: config.apiKey || undefined,
    model: config.model || DEFAULT_CARTESIA_MODEL,
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cloneTimeoutMs: timeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS,
  };
}

/** The vendor's reason from an error body: `{ "error": … }`, `{ "message": … }`, or the text itself. */
export function cartesiaReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const reason = parsed.error ?? parsed.message ?? parsed.detail;
    if (typeof reason === 'string' && reason) return reason.slice(0, REASON_LIMIT);
    if (reason !== undefined) return JSON.stringify(reason).slice(0, REASON_LIMIT);
  } catch {
    // not JSON: the raw text explains it
  }
  return body.trim().slice(0, REASON_LIMIT) || '(empty body)';
}

function unavailable(message: string, params: Record<string, string | number>): TeroError {
  return new TeroError('voice.unavailable', message, params, { retryable: true, status: 503 });
}

function rejected(message: string, params: Record<string, string | number>, cause?: unknown): TeroError {
  return new TeroError('voice.rejected', message, params, { cause, retryable: false, status: 422 });
}

/** A refusal in port terms: 408, 429 and 5xx may pass later (`voice.unavailable`); other 4xx will not (`voice.rejected`). */
function refusal(status: number, body: string): TeroError {
  const reason = cartesiaReason(body);
  const message = `Cartesia answered ${status}: ${reason}`;
  return status === 408 || status === 429 || status >= 500 ? unavailable(message, { status, reason }) : rejected(message, { status, reason });
}

/**
 * The Cartesia voice engine: cloning from one clip (`POST /voices/clone`; several samples are joined
 * into one WAV first), WAV previews (`POST /tts/bytes`) and deletion, over `fetch` with `X-API-Key` and
 * `Cartesia-Version`. Calls speak with the voice through jambonz's own Cartesia integration
 * ({@link synthesizer}).
 */
export class CartesiaVoiceEngine implements VoiceEngine {
  readonly vendor = 'cartesia';
  private readonly settings: CartesiaSettings;

  constructor(
    config: CartesiaVoiceConfig,
    private readonly logger?: PluginLogger,
  ) {
    this.settings = resolveSettings(config);
  }

  async cloneVoice(ctx: TenantContext, input: CloneVoiceInput): Promise<ClonedVoice> {
    if (input.samples.length === 0) throw rejected('A voice needs at least one sample', { reason: 'no samples' });
    let clip: Uint8Array;
    try {
      clip = input.samples.length === 1 ? input.samples[0].data : joinWavClips(input.samples.map((sample) => sample.data));
    } catch (error) {
      if (error instanceof WavClipError) throw rejected(`The voice samples cannot be joined: ${error.message}`, { reason: error.message }, error);
      throw error;
    }
    const form = new FormData();
    const filename = input.samples.length === 1 ? input.samples[0].filename : 'voice-samples.wav';
    form.append('clip', new Blob([new Uint8Array(clip)], { type: 'audio/wav' }), filename);
    form.append('name', input.name);
    form.append('language', input.language);
    form.append('mode', 'similarity');
    if (input.description) form.append('description', input.description);
    // The platform already checked the recordings; the vendor's enhancement can thin a clean voice.
    form.append('enhance', 'false');

    const answer = await this.request(ctx, 'POST', '/voices/clone', form, this.settings.cloneTimeoutMs);
    const body = answer.json() as { id?: unknown };
    if (typeof body?.id !== 'string' || body.id === '') {
      throw this.logged(ctx, unavailable('Cartesia answered a voice creation without id', { reason: 'no id in the answer' }));
    }
    return { voiceId: body.id };
  }

  async preview(ctx: TenantContext, input: VoicePreviewInput): Promise<VoicePreview> {
    const { bytes: audio } = await this.request(
      ctx,
      'POST',
      '/tts/bytes',
      {
        model_id: this.settings.model,
        transcript: input.text,
        voice: { mode: 'id', id: input.voiceId },
        language: input.language,
        output_format: { container: 'wav', encoding: 'pcm_s16le', sample_rate: PREVIEW_SAMPLE_RATE },
      },
      this.settings.timeoutMs,
    );
    if (audio.length === 0) throw this.logged(ctx, unavailable('Cartesia answered an empty audio stream', { reason: 'empty audio' }));
    return { audio, contentType: 'audio/wav' };
  }

  async deleteVoice(ctx: TenantContext, voiceId: string): Promise<void> {
    await this.request(ctx, 'DELETE', `/voices/${encodeURIComponent(voiceId)}`, undefined, this.settings.timeoutMs, true);
  }

  synthesizer(voice: VoiceRef): SynthesizerSettings {
    return {
      vendor: this.vendor,
      voice: voice.voiceId,
      language: voice.language,
      ...(voice.label ? { label: voice.label } : {}),
      options: { model_id: this.settings.model },
    };
  }

  /**
   * Sends one request ({@link vendorRequest}: read whole under the timeout, a vendor out of reach is
   * `voice.unavailable`) and returns its 2xx answer; a refusal throws in port terms. With
   * `missingIsDone`, a 404 counts as success (the voice is already gone).
   */
  private async request(
    ctx: TenantContext,
    method: string,
    path: string,
    body: FormData | object | undefined,
    timeoutMs: number,
    missingIsDone = false,
  ): Promise<VendorAnswer> {
    const apiKey = this.settings.apiKey;
    if (!apiKey) {
      throw new TeroError('voice.not_configured', 'No Cartesia API key is configured for this brand, client or instance', { pluginId: 'voice-cartesia' }, { status: 503 });
    }
    const answer = await vendorRequest({
      method,
      url: `${this.settings.baseUrl}${path}`,
      headers: { 'x-api-key': apiKey, 'cartesia-version': CARTESIA_VERSION },
      body,
      timeoutMs,
      failure: { vendor: 'Cartesia', code: 'voice.unavailable', onFailure: (error) => this.logged(ctx, error) },
    });
    if (answer.ok) return answer;
    if (missingIsDone && answer.status === 404) return answer;
    throw this.logged(ctx, refusal(answer.status, answer.text()));
  }

  /** Logs a failure once, where it happens, with the tenant, and returns it to be thrown. */
  private logged(ctx: TenantContext, error: TeroError): TeroError {
    this.logger?.warn({ requestId: ctx.requestId, clientId: ctx.clientId, code: error.code, params: error.params }, `voice-cartesia: ${error.message}`);
    return error;
  }
}
