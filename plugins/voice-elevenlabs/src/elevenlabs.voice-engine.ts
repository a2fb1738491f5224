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

/** The plugin's effective configuration: instance settings (`VOICE_ELEVENLABS_<KEY>`) with the tenant's key laid over them. */
export interface ElevenLabsVoiceConfig {
  /** Sent in `xi-api-key`. Without one (instance or tenant), every call throws `voice.not_configured`. */
  apiKey?: string;
  /** API root before `/v1`: `https://api.elevenlabs.io`, or a proxy. */
  baseUrl?: string;
  /** Text-to-speech model of previews and calls. */
  model?: string;
  /** Upper bound of every request when set; otherwise 30 s, and 120 s for cloning uploads. */
  timeoutMs?: number;
}

/** The manifest's defaults, for an engine built outside the loader (tests, the CLI). */
export const DEFAULT_ELEVENLABS_BASE_URL = 'https://api.elevenlabs.io';
export const DEFAULT_ELEVENLABS_MODEL = 'eleven_multilingual_v2';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Uploading several minutes of WAV and having the vendor process it takes far longer than speech. */
const DEFAULT_CLONE_TIMEOUT_MS = 120_000;
/** Enough of a vendor's error body to explain it. */
const REASON_LIMIT = 500;

/** Resolved once per engine. */
interface ElevenLabsSettings {
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
function resolveSettings(config: ElevenLabsVoiceConfig): ElevenLabsSettings {
  const url = httpUrlSetting('voice-elevenlabs', 'baseUrl', config.baseUrl ?? DEFAULT_ELEVENLABS_BASE_URL, 'https://api.elevenlabs.io');
  const timeoutMs = positiveIntegerSetting('voice-elevenlabs', 'timeoutMs', config.timeoutMs);
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    apiKey: config.apiKey || undefined,
    model: config.model || DEFAULT_ELEVENLABS_MODEL,
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cloneTimeoutMs: timeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS,
  };
}

/** The vendor's reason from an error body: `detail.message`, `detail[].msg` with their field, or the text. */
export function elevenLabsReason(body: string): { reason: string; code?: string } {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    const detail = parsed.detail;
    if (Array.isArray(detail)) {
      const reason = detail
        .map((item: { loc?: unknown; msg?: unknown }) => {
          const field = Array.isArray(item?.loc) ? item.loc.filter((part) => part !== 'body' && part !== 'query').join('.') : '';
          return field ? `${field}: ${String(item?.msg)}` : String(item?.msg);
        })
        .join('; ');
      return { reason: reason.slice(0, REASON_LIMIT), code: 'validation_error' };
    }
    if (typeof detail === 'object' && detail !== null) {
      const { status, message } = detail as { status?: unknown; message?: unknown };
      return { reason: String(message ?? status ?? body).slice(0, REASON_LIMIT), code: typeof status === 'string' ? status : undefined };
    }
    if (typeof detail === 'string') return { reason: detail.slice(0, REASON_LIMIT) };
  } catch {
    // not JSON: the raw text explains it
  }
  return { reason: body.slice(0, REASON_LIMIT) || '(empty body)' };
}

function unavailable(message: string, params: Record<string, string | number>): TeroError {
  return new TeroError('voice.unavailable', message, params, { retryable: true, status: 503 });
}

function rejected(message: string, params: Record<string, string | number>): TeroError {
  return new TeroError('voice.rejected', message, params, { retryable: false, status: 422 });
}

/**
 * A refusal in port terms: 408, 429 (too many concurrent requests, or the quota's rate) and 5xx may
 * pass later (`voice.unavailable`); other 4xx will not (`voice.rejected`).
 */
function refusal(status: number, body: string): TeroError {
  const { reason, code } = elevenLabsReason(body);
  const params: Record<string, string | number> = code ? { status, reason, vendorStatus: code } : { status, reason };
  const message = `ElevenLabs answered ${status}: ${reason}`;
  return status === 408 || status === 429 || status >= 500 ? unavailable(message, params) : rejected(message, params);
}

/**
 * The ElevenLabs voice engine: instant voice cloning (`POST /v1/voices/add`), previews
 * (`POST /v1/text-to-speech/{voice_id}`, MP3) and deletion, over `fetch` with the `xi-api-key` header.
 * Calls speak with the voice through jambonz's own ElevenLabs integration ({@link synthesizer}).
 */
export class ElevenLabsVoiceEngine implements VoiceEngine {
  readonly vendor = 'elevenlabs';
  private readonly settings: ElevenLabsSettings;

  constructor(
    config: ElevenLabsVoiceConfig,
    private readonly logger?: PluginLogger,
  ) {
    this.settings = resolveSettings(config);
  }

  async cloneVoice(ctx: TenantContext, input: CloneVoiceInput): Promise<ClonedVoice> {
    if (input.samples.length === 0) throw rejected('A voice needs at least one sample', { reason: 'no samples' });
    const form = new FormData();
    form.append('name', input.name);
    for (const sample of input.samples) {
      form.append('files', new Blob([new Uint8Array(sample.data)], { type: sample.contentType }), sample.filename);
    }
    if (input.description) form.append('description', input.description);
    form.append('labels', JSON.stringify({ language: input.language }));
    // The platform already checked the recordings; the vendor's noise removal can thin a clean voice.
    form.append('remove_background_noise', 'false');

    const answer = await this.request(ctx, 'POST', '/v1/voices/add', form, this.settings.cloneTimeoutMs);
    const body = answer.json() as { voice_id?: unknown };
    if (typeof body?.voice_id !== 'string' || body.voice_id === '') {
      throw this.logged(ctx, unavailable('ElevenLabs answered a voice creation without voice_id', { reason: 'no voice_id in the answer' }));
    }
    return { voiceId: body.voice_id };
  }

  async preview(ctx: TenantContext, input: VoicePreviewInput): Promise<VoicePreview> {
    const path = `/v1/text-to-speech/${encodeURIComponent(input.voiceId)}?output_format=mp3_44100_128`;
    const { bytes: audio } = await this.request(ctx, 'POST', path, { text: input.text, model_id: this.settings.model }, this.settings.timeoutMs);
    if (audio.length === 0) throw this.logged(ctx, unavailable('ElevenLabs answered an empty audio stream', { reason: 'empty audio' }));
    return { audio, contentType: 'audio/mpeg' };
  }

  async deleteVoice(ctx: TenantContext, voiceId: string): Promise<void> {
    await this.request(ctx, 'DELETE', `/v1/voices/${encodeURIComponent(voiceId)}`, undefined, this.settings.timeoutMs, true);
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
   * `missingIsDone`, a 400/404 `voice_not_found` counts as success (the voice is already gone).
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
      throw new TeroError('voice.not_configured', 'No ElevenLabs API key is configured for this brand, client or instance', { pluginId: 'voice-elevenlabs' }, { status: 503 });
    }
    const answer = await vendorRequest({
      method,
      url: `${this.settings.baseUrl}${path}`,
      headers: { 'xi-api-key': apiKey, accept: 'application/json, audio/mpeg' },
      body,
      timeoutMs,
      failure: { vendor: 'ElevenLabs', code: 'voice.unavailable', onFailure: (error) => this.logged(ctx, error) },
    });
    if (answer.ok) return answer;
    const text = answer.text();
    if (missingIsDone && (answer.status === 400 || answer.status === 404) && elevenLabsReason(text).code === 'voice_not_found') return answer;
    throw this.logged(ctx, refusal(answer.status, text));
  }

  /** Logs a failure once, where it happens, with the tenant, and returns it to be thrown. */
  private logged(ctx: TenantContext, error: TeroError): TeroError {
    this.logger?.warn({ requestId: ctx.requestId, clientId: ctx.clientId, code: error.code, params: error.params }, `voice-elevenlabs: ${error.message}`);
    return error;
  }
}
