import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { LlmFinishReason, LlmUsage } from '@tero/sdk';
import { type FakeVendorListener, type LlmReceivedRequest, type LlmScriptedReply, listenFakeVendor, readFakeBody } from '@tero/sdk/testing';
import type { WireChatChunk, WireChatResponse, WireToolCall } from '../openai-chat.wire';
import { ChatRequestInvalid, decodeChatRequest, type DecodedChatRequest } from './chat-request.decoder';

/** Decides the answer to a request the script has no queued reply for: a scripted "model". */
export type FakeOpenAiResponder = (request: LlmReceivedRequest) => LlmScriptedReply | Promise<LlmScriptedReply>;

export interface FakeOpenAiServerOptions {
  /** When set, every request must carry it, as `Authorization: Bearer …` or (with `apiKeyHeader: 'api-key'`) in `api-key`. */
  apiKey?: string;
  apiKeyHeader?: 'authorization' | 'api-key';
  /** When set, requests must carry `?api-version=` with this value, as Azure OpenAI requires. */
  apiVersion?: string;
  /** Path before `/chat/completions`; `/v1` by default. */
  basePath?: string;
  /** Largest streamed piece of text or arguments, in characters; pieces are smaller when needed to send at least two. */
  pieceSize?: number;
}

/** One HTTP exchange as the fake saw it, for assertions on what only the wire shows. */
export interface FakeOpenAiExchange {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; `undefined` when it was not JSON. */
  body: unknown;
  /** The decoded request, when it was valid. */
  decoded?: DecodedChatRequest;
  /** The status the fake answered with. */
  status: number;
}

const BODY_LIMIT = 4 * 1024 * 1024;

/** Splits text into pieces of at most `size` characters (whole code points), at least two when it has two or more. */
export function splitPieces(text: string, size: number): string[] {
  const points = Array.from(text);
  if (points.length < 2) return points.length ? [text] : [];
  const step = Math.max(1, Math.min(size, Math.ceil(points.length / 2)));
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += step) pieces.push(points.slice(i, i + step).join(''));
  return pieces;
}

function wireUsage(usage: LlmUsage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens };
}

function wireFinish(reason: LlmFinishReason): string {
  return reason === 'other' ? 'unknown' : reason;
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401 || status === 403) return 'authentication_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/**
 * A local server speaking OpenAI's chat-completions API (`POST {basePath}/chat/completions`, whole or
 * streamed as server-sent events ending in `data: [DONE]`), scripted per test: answers come from the
 * queue filled by {@link script}, else from the {@link respondWith} responder. It checks requests as
 * strictly as the vendor (see `decodeChatRequest`), streams text and tool-call arguments in several
 * pieces, reports the usage when asked, and can refuse, hang or stall.
 */
export class FakeOpenAiServer {
  /** Every exchange, oldest first. */
  readonly exchanges: FakeOpenAiExchange[] = [];
  /** Errors thrown by the responder or the fake itself (answered with a 500), so a test can show them. */
  readonly responderErrors: unknown[] = [];
  private readonly queue: LlmScriptedReply[] = [];
  private responder?: FakeOpenAiResponder;
  private served = 0;

  private constructor(
    private readonly listener: FakeVendorListener,
    private readonly options: FakeOpenAiServerOptions,
  ) {}

  /** Starts a fake on 127.0.0.1 on a free port. */
  static async start(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
    let fake: FakeOpenAiServer | undefined;
    const listener = await listenFakeVendor((req, res) => fake!.handle(req, res), {
      contentType: 'application/json',
      body: JSON.stringify({ error: { message: 'the fake failed', type: 'server_error', param: null, code: null } }),
      record: (error) => fake!.responderErrors.push(error),
    });
    fake = new FakeOpenAiServer(listener, options);
    return fake;
  }

  /** The base URL a provider is configured with: `http://127.0.0.1:<port>/v1`. */
  get baseUrl(): string {
    return `${this.listener.origin}${this.options.basePath ?? '/v1'}`;
  }

  /** Queues answers to the next requests, one each, in order. */
  script(...replies: LlmScriptedReply[]): void {
    this.queue.push(...replies);
  }

  /** Answers requests the queue has nothing for. */
  respondWith(responder: FakeOpenAiResponder | undefined): void {
    this.responder = responder;
  }

  /** The valid requests received, decoded, oldest first. */
  received(): LlmReceivedRequest[] {
    return this.exchanges.flatMap((exchange) => (exchange.decoded ? [exchange.decoded.request] : []));
  }

  /** Stops listening and drops open connections, hanging ones included. */
  stop(): Promise<void> {
    return this.listener.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const exchange: FakeOpenAiExchange = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: undefined, status: 0 };
    this.exchanges.push(exchange);
    const raw = (await readFakeBody(req, BODY_LIMIT))?.toString('utf8');

    if (req.method !== 'POST' || url.pathname !== `${this.options.basePath ?? '/v1'}/chat/completions`) {
      return this.refuse(res, exchange, 404, `Unknown request URL: ${req.method} ${url.pathname}`);
    }
    if (!this.authorised(req)) return this.refuse(res, exchange, 401, 'Incorrect API key provided.');
    if (this.options.apiVersion && url.searchParams.get('api-version') !== this.options.apiVersion) {
      return this.refuse(res, exchange, 404, 'Resource not found: unsupported or missing api-version.');
    }
    if (raw === undefined) return this.refuse(res, exchange, 413, 'Request body too large.');
    try {
      exchange.body = JSON.parse(raw);
    } catch {
      return this.refuse(res, exchange, 400, 'We could not parse the JSON body of your request.');
    }
    try {
      exchange.decoded = decodeChatRequest(exchange.body);
    } catch (error) {
      if (error instanceof ChatRequestInvalid) return this.refuse(res, exchange, 400, error.message);
      throw error;
    }

    let reply: LlmScriptedReply | undefined = this.queue.shift();
    if (!reply && this.responder) {
      try {
        reply = await this.responder(exchange.decoded.request);
      } catch (error) {
        this.responderErrors.push(error);
        return this.refuse(res, exchange, 500, `the fake's responder failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (!reply) return this.refuse(res, exchange, 500, 'the fake has no scripted reply for this request');

    this.served += 1;
    const id = `chatcmpl-fake-${this.served}`;
    const { stream } = exchange.decoded.request;
    switch (reply.type) {
      case 'error':
        return this.refuse(res, exchange, reply.status, reply.message ?? `scripted ${reply.status}`);
      case 'hang':
        exchange.status = 0;
        return;
      case 'stall':
        exchange.status = 200;
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
          return;
        }
        this.startStream(res);
        this.sendChunk(res, id, exchange.decoded, { choices: [{ index: 0, delta: { role: 'assistant', content: splitPieces(reply.text, this.pieceSize)[0] ?? '' }, finish_reason: null }] });
        return;
      case 'answer':
        exchange.status = 200;
        if (stream) this.streamAnswer(res, id, exchange.decoded, reply);
        else this.sendAnswer(res, id, exchange.decoded.model, reply);
        return;
    }
  }

  private get pieceSize(): number {
    return this.options.pieceSize ?? 6;
  }

  private authorised(req: IncomingMessage): boolean {
    const key = this.options.apiKey;
    if (!key) return true;
    if (this.options.apiKeyHeader === 'api-key') return req.headers['api-key'] === key;
    return req.headers.authorization === `Bearer ${key}`;
  }

  /** The body as text, or `undefined` past the size limit. */
  private refuse(res: ServerResponse, exchange: FakeOpenAiExchange, status: number, message: string): void {
    exchange.status = status;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 429) headers['retry-after'] = '2';
    res.writeHead(status, headers);
    res.end(JSON.stringify({ error: { message, type: errorType(status), param: null, code: null } }));
  }

  private sendAnswer(res: ServerResponse, id: string, model: string, reply: Extract<LlmScriptedReply, { type: 'answer' }>): void {
    const toolCalls: WireToolCall[] = (reply.toolCalls ?? []).map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.argumentsText },
    }));
    const body: WireChatResponse & Record<string, unknown> = {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text || (toolCalls.length ? null : ''), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: wireFinish(reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop')),
        },
      ],
      usage: wireUsage(reply.usage),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private startStream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // Proxies and some servers send comments to keep the connection open; clients skip them.
    res.write(': keep-alive\n\n');
  }

  private sendChunk(res: ServerResponse, id: string, decoded: DecodedChatRequest, chunk: WireChatChunk): void {
    const body = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: decoded.model, ...chunk };
    if (decoded.includeUsage && !('usage' in chunk)) Object.assign(body, { usage: null });
    res.write(`data: ${JSON.stringify(body)}\n\n`);
  }

  private streamAnswer(res: ServerResponse, id: string, decoded: DecodedChatRequest, reply: Extract<LlmScriptedReply, { type: 'answer' }>): void {
    this.startStream(res);
    this.sendChunk(res, id, decoded, { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    for (const piece of splitPieces(reply.text ?? '', this.pieceSize)) {
      this.sendChunk(res, id, decoded, { choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    (reply.toolCalls ?? []).forEach((call, index) => {
      this.sendChunk(res, id, decoded, {
        choices: [{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, finish_reason: null }],
      });
      for (const piece of splitPieces(call.argumentsText, this.pieceSize)) {
        this.sendChunk(res, id, decoded, { choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] });
      }
    });
    const finish = reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
    this.sendChunk(res, id, decoded, { choices: [{ index: 0, delta: {}, finish_reason: wireFinish(finish) }] });
    if (decoded.includeUsage) this.sendChunk(res, id, decoded, { choices: [], usage: wireUsage(reply.usage) });
    res.end('data: [DONE]\n\n');
  }
}
