import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type FakeVendorListener, listenFakeVendor, readFakeBody, readWavInfo, type VoiceVendorFake, type VoiceVendorFakeVoice, type VoiceVendorFault } from '@tero/sdk/testing';

export interface FakeElevenLabsServerOptions {
  /** The key every request must carry in `xi-api-key`; `xi-test-key` by default. */
  apiKey?: string;
}

/** One file of a cloned voice, as the fake received it. */
export interface FakeElevenLabsFile {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** A voice the fake holds, with the multipart fields it was created from. */
export interface FakeElevenLabsVoice {
  voiceId: string;
  name: string;
  description?: string;
  /** The parsed `labels` field. */
  labels: Record<string, string>;
  removeBackgroundNoise: boolean;
  files: FakeElevenLabsFile[];
}

/** One HTTP exchange as the fake saw it, for assertions on what only the wire shows. */
export interface FakeElevenLabsExchange {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Multipart text fields, each with all its values, when the body was multipart. */
  fields?: Record<string, string[]>;
  /** Multipart file parts (`name` is the part's field name), when the body was multipart. */
  files?: (FakeElevenLabsFile & { field: string })[];
  /** The parsed JSON body, when it was JSON. */
  json?: unknown;
  /** The status the fake answered with; 0 for a hang or a reset. */
  status: number;
}

/** A queued fault and the message its body carries. */
interface QueuedFault {
  fault: VoiceVendorFault;
  reason?: string;
}

const BODY_LIMIT = 50 * 1024 * 1024;
const OUTPUT_FORMATS = new Set(['mp3_22050_32', 'mp3_44100_32', 'mp3_44100_64', 'mp3_44100_96', 'mp3_44100_128', 'mp3_44100_192']);

/**
 * MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono) of silence: a header and zeroed side information
 * and main data, which decoders play as silence. One frame lasts 1152 / 44100 s.
 */
export function silentMp3(frames: number): Uint8Array {
  const frameBytes = Math.floor((144 * 128_000) / 44_100);
  const audio = new Uint8Array(frames * frameBytes);
  for (let i = 0; i < frames; i++) audio.set([0xff, 0xfb, 0x90, 0xc4], i * frameBytes);
  return audio;
}

/**
 * A local server speaking the part of the ElevenLabs API the voice engine uses, as strictly as the
 * vendor: `POST /v1/voices/add` (multipart: `name`, one or more `files`, optional `description`,
 * `labels` as a JSON object string, `remove_background_noise`), `POST /v1/text-to-speech/{voice_id}`
 * (JSON `{ text, model_id }`, `?output_format=`) answering MP3 frames, `GET /v1/voices/{voice_id}`,
 * `DELETE /v1/voices/{voice_id}`. Every request must carry the key in `xi-api-key`. Errors have the
 * vendor's bodies: `{ detail: { status, message } }`, or `{ detail: [{ loc, msg, type }] }` for 422.
 * {@link failNext} makes the next request answer a status, hang or reset its connection.
 */
export class FakeElevenLabsServer implements VoiceVendorFake {
  /** Every exchange, oldest first. */
  readonly exchanges: FakeElevenLabsExchange[] = [];
  /** Errors thrown by the fake itself (answered with a 500), so a test can show them. */
  readonly fakeErrors: unknown[] = [];
  private readonly held = new Map<string, FakeElevenLabsVoice>();
  private readonly faults: QueuedFault[] = [];
  private created = 0;

  private constructor(
    private readonly listener: FakeVendorListener,
    /** The key requests must carry. */
    readonly apiKey: string,
  ) {}

  /** Starts a fake on 127.0.0.1 on a free port. */
  static async start(options: FakeElevenLabsServerOptions = {}): Promise<FakeElevenLabsServer> {
    let fake: FakeElevenLabsServer | undefined;
    const listener = await listenFakeVendor((req, res) => fake!.handle(req, res), {
      contentType: 'application/json',
      body: JSON.stringify({ detail: { status: 'internal_error', message: 'the fake failed' } }),
      record: (error) => fake!.fakeErrors.push(error),
    });
    fake = new FakeElevenLabsServer(listener, options.apiKey ?? 'xi-test-key');
    return fake;
  }

  /** The base URL an engine is configured with: `http://127.0.0.1:<port>`. */
  get baseUrl(): string {
    return this.listener.origin;
  }

  /** The voices held, with everything they were created from, oldest first. */
  storedVoices(): FakeElevenLabsVoice[] {
    return [...this.held.values()];
  }

  voices(): VoiceVendorFakeVoice[] {
    return this.storedVoices().map((voice) => ({
      voiceId: voice.voiceId,
      name: voice.name,
      description: voice.description,
      language: voice.labels.language,
      audioSeconds: voice.files.reduce((sum, file) => sum + (readWavInfo(file.data)?.durationSeconds ?? 0), 0),
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
    const exchange: FakeElevenLabsExchange = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, status: 0 };
    this.exchanges.push(exchange);
    const raw = await readFakeBody(req, BODY_LIMIT);

    const queued = this.faults.shift();
    if (queued?.fault === 'hang') return;
    if (queued?.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (queued) return this.scriptedError(res, exchange, queued.fault, queued.reason);

    if (raw === undefined) return this.detail(res, exchange, 413, 'request_too_large', 'Request body too large.');
    if (req.headers['xi-api-key'] !== this.apiKey) {
      return this.detail(res, exchange, 401, 'invalid_api_key', 'Invalid API key');
    }
    const voicePath = /^\/v1\/voices\/([^/]+)$/.exec(url.pathname);
    const speechPath = /^\/v1\/text-to-speech\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/v1/voices/add') return this.addVoice(req, res, exchange, raw);
    if (req.method === 'POST' && speechPath) return this.speak(res, exchange, decodeURIComponent(speechPath[1]), raw);
    if (req.method === 'DELETE' && voicePath) return this.deleteVoice(res, exchange, decodeURIComponent(voicePath[1]));
    if (req.method === 'GET' && voicePath) return this.getVoice(res, exchange, decodeURIComponent(voicePath[1]));
    exchange.status = 404;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'Not Found' }));
  }

  private async addVoice(req: IncomingMessage, res: ServerResponse, exchange: FakeElevenLabsExchange, raw: Buffer): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) {
      return this.invalid(res, exchange, [['body', 'name', 'Field required', 'missing']]);
    }
    let form: FormData;
    try {
      form = await new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
    } catch {
      return this.detail(res, exchange, 400, 'invalid_multipart', 'The multipart body could not be parsed.');
    }
    const fields: Record<string, string[]> = {};
    const files: (FakeElevenLabsFile & { field: string })[] = [];
    const parts: [string, FormDataEntryValue][] = [];
    form.forEach((value, field) => parts.push([field, value]));
    for (const [field, value] of parts) {
      if (typeof value === 'string') (fields[field] ??= []).push(value);
      else files.push({ field, filename: value.name, contentType: value.type, data: new Uint8Array(await value.arrayBuffer()) });
    }
    exchange.fields = fields;
    exchange.files = files;

    const problems: [string, string, string, string][] = [];
    const name = fields.name?.[0];
    if (!name) problems.push(['body', 'name', 'Field required', 'missing']);
    const voiceFiles = files.filter((file) => file.field === 'files');
    if (voiceFiles.length === 0) problems.push(['body', 'files', 'Field required', 'missing']);
    if (files.some((file) => file.field !== 'files')) problems.push(['body', files.find((f) => f.field !== 'files')!.field, 'Unexpected file', 'extra_forbidden']);
    let labels: Record<string, string> = {};
    if (fields.labels) {
      try {
        const parsed: unknown = JSON.parse(fields.labels[0]);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        labels = parsed as Record<string, string>;
      } catch {
        problems.push(['body', 'labels', 'Labels must be a JSON object string', 'value_error']);
      }
    }
    const noise = fields.remove_background_noise?.[0];
    if (noise !== undefined && noise !== 'true' && noise !== 'false') {
      problems.push(['body', 'remove_background_noise', 'Input should be a valid boolean', 'bool_parsing']);
    }
    if (problems.length) return this.invalid(res, exchange, problems);
    for (const file of voiceFiles) {
      if (!file.contentType.startsWith('audio/') || file.data.length === 0) {
        return this.detail(res, exchange, 400, 'invalid_audio', `The file ${file.filename} is not audio.`);
      }
    }

    this.created += 1;
    const voiceId = `fake${String(this.created).padStart(4, '0')}${Math.random().toString(36).slice(2, 10)}`;
    this.held.set(voiceId, {
      voiceId,
      name: name!,
      description: fields.description?.[0],
      labels,
      removeBackgroundNoise: noise === 'true',
      files: voiceFiles.map(({ filename, contentType: type, data }) => ({ filename, contentType: type, data })),
    });
    this.json(res, exchange, 200, { voice_id: voiceId, requires_verification: false });
  }

  private speak(res: ServerResponse, exchange: FakeElevenLabsExchange, voiceId: string, raw: Buffer): void {
    const format = exchange.query.get('output_format') ?? 'mp3_44100_128';
    if (!OUTPUT_FORMATS.has(format)) return this.invalid(res, exchange, [['query', 'output_format', 'Unsupported output format', 'enum']]);
    try {
      exchange.json = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.invalid(res, exchange, [['body', 0, 'JSON decode error', 'json_invalid']]);
    }
    const body = exchange.json as { text?: unknown; model_id?: unknown };
    if (typeof body?.text !== 'string' || body.text.trim() === '') return this.invalid(res, exchange, [['body', 'text', 'Field required', 'missing']]);
    if (body.model_id !== undefined && typeof body.model_id !== 'string') return this.invalid(res, exchange, [['body', 'model_id', 'Input should be a valid string', 'string_type']]);
    if (!this.held.has(voiceId)) return this.detail(res, exchange, 400, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`);
    exchange.status = 200;
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    // About one frame (26 ms) per character: the length follows the text as speech would.
    res.end(silentMp3(Math.max(2, Math.ceil(body.text.length / 2))));
  }

  private deleteVoice(res: ServerResponse, exchange: FakeElevenLabsExchange, voiceId: string): void {
    if (!this.held.delete(voiceId)) return this.detail(res, exchange, 400, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`);
    this.json(res, exchange, 200, { status: 'ok' });
  }

  private getVoice(res: ServerResponse, exchange: FakeElevenLabsExchange, voiceId: string): void {
    const voice = this.held.get(voiceId);
    if (!voice) return this.detail(res, exchange, 400, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`);
    this.json(res, exchange, 200, { voice_id: voice.voiceId, name: voice.name, category: 'cloned', description: voice.description ?? null, labels: voice.labels });
  }

  /** The vendor's body for a scripted status. */
  private scriptedError(res: ServerResponse, exchange: FakeElevenLabsExchange, status: number, reason?: string): void {
    if (status === 422) return this.invalid(res, exchange, [['body', 'files', reason ?? 'Invalid audio file', 'value_error']]);
    const statuses: Record<number, string> = { 400: 'invalid_request', 401: 'invalid_api_key', 403: 'forbidden', 404: 'not_found', 429: 'too_many_concurrent_requests' };
    this.detail(res, exchange, status, statuses[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request'), reason ?? `scripted ${status}`);
  }

  private detail(res: ServerResponse, exchange: FakeElevenLabsExchange, status: number, code: string, message: string): void {
    this.json(res, exchange, status, { detail: { status: code, message } });
  }

  /** A FastAPI-style validation error: `{ detail: [{ loc, msg, type }] }`. */
  private invalid(res: ServerResponse, exchange: FakeElevenLabsExchange, problems: [string, string | number, string, string][]): void {
    this.json(res, exchange, 422, { detail: problems.map(([where, field, msg, type]) => ({ loc: [where, field], msg, type })) });
  }

  private json(res: ServerResponse, exchange: FakeElevenLabsExchange, status: number, body: unknown): void {
    exchange.status = status;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
