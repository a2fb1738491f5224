import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type FakeVendorListener, listenFakeVendor, pcmWav, readFakeBody, readWavInfo, type VoiceVendorFake, type VoiceVendorFakeVoice, type VoiceVendorFault } from '@tero/sdk/testing';

export interface FakeCartesiaServerOptions {
  /** The key every request must carry in `X-API-Key`; `sk_car_test` by default. */
  apiKey?: string;
}

/** A voice the fake holds, with the multipart fields it was created from. */
export interface FakeCartesiaVoice {
  id: string;
  name: string;
  description: string;
  language: string;
  mode: string;
  enhance: boolean;
  createdAt: string;
  /** The `clip` file as received. */
  clip: { filename: string; contentType: string; data: Uint8Array };
}

/** One HTTP exchange as the fake saw it, for assertions on what only the wire shows. */
export interface FakeCartesiaExchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Multipart text fields, each with all its values, when the body was multipart. */
  fields?: Record<string, string[]>;
  /** Multipart file parts, when the body was multipart. */
  files?: { field: string; filename: string; contentType: string; data: Uint8Array }[];
  /** The parsed JSON body, when it was JSON. */
  json?: unknown;
  /** The status the fake answered with; 0 for a hang or a reset. */
  status: number;
}

/** The API version the fake speaks, required in `Cartesia-Version`. */
export const FAKE_CARTESIA_VERSION = '2024-11-13';

const BODY_LIMIT = 50 * 1024 * 1024;
const LANGUAGES = new Set(['en', 'fr', 'de', 'es', 'pt', 'zh', 'ja', 'hi', 'it', 'ko', 'nl', 'pl', 'ru', 'sv', 'tr']);
const MODELS = new Set(['sonic-2', 'sonic-turbo', 'sonic', 'sonic-multilingual', 'sonic-english']);

/**
 * A local server speaking the part of the Cartesia API the voice engine uses, as strictly as the vendor:
 * `POST /voices/clone` (multipart: one `clip` file, `name`, `language`, `mode`, optional `description`
 * and `enhance`), `POST /tts/bytes` (JSON, answering a WAV file in the requested PCM format),
 * `GET /voices/{id}` and `DELETE /voices/{id}` (204; 404 when unknown). Every request must carry the key
 * in `X-API-Key` and the version in `Cartesia-Version`. Errors are `{ "error": "…" }` for 4xx and plain
 * text for 5xx, as the vendor's. {@link failNext} makes the next request answer a status, hang or reset.
 */
export class FakeCartesiaServer implements VoiceVendorFake {
  /** Every exchange, oldest first. */
  readonly exchanges: FakeCartesiaExchange[] = [];
  /** Errors thrown by the fake itself (answered with a 500), so a test can show them. */
  readonly fakeErrors: unknown[] = [];
  private readonly held = new Map<string, FakeCartesiaVoice>();
  private readonly faults: { fault: VoiceVendorFault; reason?: string }[] = [];

  private constructor(
    private readonly listener: FakeVendorListener,
    /** The key requests must carry. */
    readonly apiKey: string,
  ) {}

  /** Starts a fake on 127.0.0.1 on a free port. */
  static async start(options: FakeCartesiaServerOptions = {}): Promise<FakeCartesiaServer> {
    let fake: FakeCartesiaServer | undefined;
    const listener = await listenFakeVendor((req, res) => fake!.handle(req, res), {
      contentType: 'text/plain',
      body: 'the fake failed',
      record: (error) => fake!.fakeErrors.push(error),
    });
    fake = new FakeCartesiaServer(listener, options.apiKey ?? 'sk_car_test');
    return fake;
  }

  /** The base URL an engine is configured with: `http://127.0.0.1:<port>`. */
  get baseUrl(): string {
    return this.listener.origin;
  }

  /** The voices held, with everything they were created from, oldest first. */
  storedVoices(): FakeCartesiaVoice[] {
    return [...this.held.values()];
  }

  voices(): VoiceVendorFakeVoice[] {
    return this.storedVoices().map((voice) => ({
      voiceId: voice.id,
      name: voice.name,
      description: voice.description || undefined,
      language: voice.language,
      audioSeconds: readWavInfo(voice.clip.data)?.durationSeconds ?? 0,
    }));
  }

  failNext(fault: VoiceVendorFault, reason?: string): void {
    this.faults.push({ fault, reason });
  }

  requestCount(): number {
    return this.exchanges.length;
  }

  /** Stops listening and drops open connections, hanging ones included. */
  stop(): Promise<void> {
    return this.listener.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const exchange: FakeCartesiaExchange = { method: req.method ?? '', path: url.pathname, headers: req.headers, status: 0 };
    this.exchanges.push(exchange);
    const raw = await readFakeBody(req, BODY_LIMIT);

    const queued = this.faults.shift();
    if (queued?.fault === 'hang') return;
    if (queued?.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (queued) {
      const { fault: status, reason } = queued;
      if (status >= 500) return this.text(res, exchange, status, reason ?? 'Internal Server Error');
      return this.error(res, exchange, status, reason ?? (status === 401 ? 'Invalid API key' : status === 429 ? 'Rate limit exceeded' : `scripted ${status}`));
    }

    if (raw === undefined) return this.error(res, exchange, 413, 'Request body too large');
    if (req.headers['x-api-key'] !== this.apiKey) return this.error(res, exchange, 401, 'Invalid API key');
    if (req.headers['cartesia-version'] !== FAKE_CARTESIA_VERSION) {
      return this.error(res, exchange, 400, `Cartesia-Version header must be a supported version such as ${FAKE_CARTESIA_VERSION}`);
    }
    const voicePath = /^\/voices\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/voices/clone') return this.clone(req, res, exchange, raw);
    if (req.method === 'POST' && url.pathname === '/tts/bytes') return this.speak(res, exchange, raw);
    if (req.method === 'DELETE' && voicePath) return this.remove(res, exchange, decodeURIComponent(voicePath[1]));
    if (req.method === 'GET' && voicePath) return this.describe(res, exchange, decodeURIComponent(voicePath[1]));
    this.text(res, exchange, 404, '404 page not found');
  }

  private async clone(req: IncomingMessage, res: ServerResponse, exchange: FakeCartesiaExchange, raw: Buffer): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) return this.error(res, exchange, 400, 'request Content-Type isn\'t multipart/form-data');
    let form: FormData;
    try {
      form = await new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
    } catch {
      return this.error(res, exchange, 400, 'could not parse the multipart form');
    }
    const parts: [string, FormDataEntryValue][] = [];
    form.forEach((value, field) => parts.push([field, value]));
    const fields: Record<string, string[]> = {};
    const files: NonNullable<FakeCartesiaExchange['files']> = [];
    for (const [field, value] of parts) {
      if (typeof value === 'string') (fields[field] ??= []).push(value);
      else files.push({ field, filename: value.name, contentType: value.type, data: new Uint8Array(await value.arrayBuffer()) });
    }
    exchange.fields = fields;
    exchange.files = files;

    const clips = files.filter((file) => file.field === 'clip');
    if (clips.length !== 1 || files.length !== 1) return this.error(res, exchange, 400, 'exactly one clip file is required');
    const name = fields.name?.[0];
    if (!name) return this.error(res, exchange, 400, 'name is required');
    const language = fields.language?.[0];
    if (!language || !LANGUAGES.has(language)) return this.error(res, exchange, 400, `language must be one of ${[...LANGUAGES].join(', ')}`);
    const mode = fields.mode?.[0] ?? 'similarity';
    if (mode !== 'similarity' && mode !== 'stability') return this.error(res, exchange, 400, 'mode must be similarity or stability');
    const enhance = fields.enhance?.[0] ?? 'false';
    if (enhance !== 'true' && enhance !== 'false') return this.error(res, exchange, 400, 'enhance must be a boolean');
    const info = readWavInfo(clips[0].data);
    if (!info || info.durationSeconds === 0) return this.error(res, exchange, 422, 'the clip is not audio the service can read');

    const voice: FakeCartesiaVoice = {
      id: crypto.randomUUID(),
      name,
      description: fields.description?.[0] ?? '',
      language,
      mode,
      enhance: enhance === 'true',
      createdAt: new Date().toISOString(),
      clip: { filename: clips[0].filename, contentType: clips[0].contentType, data: clips[0].data },
    };
    this.held.set(voice.id, voice);
    this.json(res, exchange, 200, this.wireVoice(voice));
  }

  private speak(res: ServerResponse, exchange: FakeCartesiaExchange, raw: Buffer): void {
    try {
      exchange.json = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.error(res, exchange, 400, 'invalid JSON body');
    }
    const body = exchange.json as {
      model_id?: unknown;
      transcript?: unknown;
      voice?: { mode?: unknown; id?: unknown };
      language?: unknown;
      output_format?: { container?: unknown; encoding?: unknown; sample_rate?: unknown };
    };
    if (typeof body?.model_id !== 'string' || !MODELS.has(body.model_id)) return this.error(res, exchange, 400, 'model_id is not a known model');
    if (typeof body.transcript !== 'string' || body.transcript.trim() === '') return this.error(res, exchange, 400, 'transcript is required');
    if (body.voice?.mode !== 'id' || typeof body.voice.id !== 'string') return this.error(res, exchange, 400, 'voice must be { mode: "id", id }');
    if (body.language !== undefined && (typeof body.language !== 'string' || !LANGUAGES.has(body.language))) return this.error(res, exchange, 400, 'language is not supported');
    const format = body.output_format;
    if (format?.container !== 'wav' || format.encoding !== 'pcm_s16le' || format.sample_rate !== 24_000) {
      return this.error(res, exchange, 400, 'the fake answers output_format { container: wav, encoding: pcm_s16le, sample_rate: 24000 } only');
    }
    if (!this.held.has(body.voice.id)) return this.error(res, exchange, 404, `voice ${body.voice.id} not found`);
    exchange.status = 200;
    res.writeHead(200, { 'content-type': 'audio/wav' });
    // Roughly 60 ms per character, as speech.
    res.end(pcmWav(Math.max(0.1, body.transcript.length * 0.06)));
  }

  private remove(res: ServerResponse, exchange: FakeCartesiaExchange, id: string): void {
    if (!this.held.delete(id)) return this.error(res, exchange, 404, `voice ${id} not found`);
    exchange.status = 204;
    res.writeHead(204);
    res.end();
  }

  private describe(res: ServerResponse, exchange: FakeCartesiaExchange, id: string): void {
    const voice = this.held.get(id);
    if (!voice) return this.error(res, exchange, 404, `voice ${id} not found`);
    this.json(res, exchange, 200, this.wireVoice(voice));
  }

  private wireVoice(voice: FakeCartesiaVoice): Record<string, unknown> {
    return { id: voice.id, name: voice.name, description: voice.description, language: voice.language, is_public: false, created_at: voice.createdAt };
  }

  private error(res: ServerResponse, exchange: FakeCartesiaExchange, status: number, message: string): void {
    this.json(res, exchange, status, { error: message });
  }

  private text(res: ServerResponse, exchange: FakeCartesiaExchange, status: number, message: string): void {
    exchange.status = status;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  }

  private json(res: ServerResponse, exchange: FakeCartesiaExchange, status: number, body: unknown): void {
    exchange.status = status;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
