import {
  LLM_ERRORS,
  PluginConfigError,
  httpUrlSetting,
  positiveIntegerSetting,
  TeroError,
  type LlmProvider,
  type LlmRequest,
  type LlmResult,
  type LlmStreamEvent,
  type LlmToolCall,
  type PluginLogger,
  type TenantContext,
} from '@tero/sdk';
import {
  finishReasonFrom,
  toolCallFrom,
  toWireMessages,
  toWireToolChoice,
  toWireTools,
  usageFrom,
  type WireChatChunk,
  type WireChatRequest,
  type WireChatResponse,
  type WireToolCallDelta,
} from './openai-chat.wire';
import { readSseData } from './sse-data.reader';

/** The plugin's effective configuration: instance settings (`LLM_OPENAI_<KEY>`) with the tenant's laid over them. */
export interface OpenAiLlmConfig {
  /** API root ending before `/chat/completions`: `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl?: string;
  /** Sent as a bearer token (or in `api-key`); local servers need none. */
  apiKey?: string;
  /** `authorization` (Bearer, the default) or `api-key` (Azure OpenAI keys). */
  apiKeyHeader?: 'authorization' | 'api-key';
  /** Azure OpenAI's `api-version` query parameter, added when set. */
  apiVersion?: string;
  model: string;
  /** Upper bound of a request, streamed answer included, when the request sets none. */
  timeoutMs?: number;
  /** Default temperature of requests that set none. */
  temperature?: number;
  /** Default token limit of requests that set none. */
  maxTokens?: number;
  /** Body field carrying the token limit: `max_tokens`, or `max_completion_tokens` for OpenAI's reasoning models. */
  maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
}

/** The manifest's default, for a provider built outside the loader (tests, the CLI). */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_TIMEOUT_MS = 15_000;
/** Enough of a vendor's error body to explain it in a log line. */
const ERROR_BODY_LIMIT = 2_000;

/** What a request goes out with, resolved once per provider. */
export interface OpenAiSettings {
  url: string;
  headers: Record<string, string>;
  model: string;
  timeoutMs: number;
  temperature?: number;
  maxTokens?: number;
  maxTokensParameter: 'max_tokens' | 'max_completion_tokens';
}

/**
 * Checks the effective configuration and resolves the endpoint and headers. Throws
 * `PluginConfigError` naming the key: the manifest's schema is checked at boot and on save, but a
 * provider may also be built from code.
 */
export function resolveOpenAiSettings(config: OpenAiLlmConfig): OpenAiSettings {
  const url = httpUrlSetting('llm-openai', 'baseUrl', config.baseUrl ?? DEFAULT_OPENAI_BASE_URL, 'https://api.openai.com/v1');
  if (typeof config.model !== 'string' || config.model.trim() === '') {
    throw new PluginConfigError('llm-openai', 'model', 'is required (the model or deployment name)');
  }
  const timeoutMs = positiveIntegerSetting('llm-openai', 'timeoutMs', config.timeoutMs) ?? DEFAULT_TIMEOUT_MS;

  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  if (config.apiVersion) url.searchParams.set('api-version', config.apiVersion);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.apiKey) {
    if (config.apiKeyHeader === 'api-key') headers['api-key'] = config.apiKey;
    else headers.authorization = `Bearer ${config.apiKey}`;
  }
  return {
    url: url.toString(),
    headers,
    model: config.model,
    timeoutMs,
    temperature: config.temperature,
    maxTokens: config.maxTokens,
    maxTokensParameter: config.maxTokensParameter ?? 'max_tokens',
  };
}

/** One HTTP exchange's cancellation: the caller's signal, the timeout, and our own (to stop reading early). */
class RequestSignals {
  readonly timeout: AbortSignal;
  private readonly own = new AbortController();
  readonly signal: AbortSignal;

  constructor(
    readonly caller: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timeout = AbortSignal.timeout(timeoutMs);
    this.signal = AbortSignal.any(caller ? [caller, this.timeout, this.own.signal] : [this.timeout, this.own.signal]);
  }

  cancel(): void {
    this.own.abort();
  }

  /** The error to throw for a failure seen while sending or reading: aborts and timeouts win over what they caused. */
  failure(error: unknown, timeoutMs: number): TeroError {
    if (this.caller?.aborted) return llmError('aborted', 'LLM request aborted by the caller', {}, error);
    if (this.timeout.aborted) return llmError('timeout', `LLM request took longer than ${timeoutMs} ms`, { timeoutMs }, error);
    if (error instanceof TeroError) return error;
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return llmError('unavailable', `LLM vendor unreachable: ${reason}`, { reason }, error);
  }
}

function llmError(kind: keyof typeof LLM_ERRORS, message: string, params: Record<string, string | number>, cause?: unknown): TeroError {
  const { code, retryable } = LLM_ERRORS[kind];
  const status = kind === 'timeout' ? 504 : kind === 'aborted' ? 499 : 502;
  return new TeroError(code, message, params, { cause, retryable, status });
}

/** The vendor's own explanation from an error body (`{"error":{"message":…}}`), else the body's start. */
function vendorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === 'string' && message) return message.slice(0, ERROR_BODY_LIMIT);
  } catch {
    // not JSON: the raw text explains it
  }
  return body.slice(0, ERROR_BODY_LIMIT) || '(empty body)';
}

/** An HTTP refusal in port terms: 429 rate limited, 401/403 auth, 408/409/5xx unavailable, other 4xx rejected. */
function refusal(status: number, body: string, retryAfter: string | null): TeroError {
  const detail = `LLM vendor answered ${status}: ${vendorMessage(body)}`;
  if (status === 429) {
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
    return llmError('rateLimited', detail, seconds === undefined ? { status } : { status, retryAfterSeconds: seconds });
  }
  if (status === 401 || status === 403) return llmError('authFailed', detail, { status });
  if (status === 408 || status === 409 || status >= 500) return llmError('unavailable', detail, { status });
  return llmError('rejected', detail, { status });
}

function invalid(reason: string): TeroError {
  return llmError('invalidResponse', `LLM vendor answer is not a chat completion: ${reason}`, { reason });
}

/** Reassembles streamed tool calls from their pieces, keyed by the vendor's `index`. */
class ToolCallAssembler {
  private readonly calls: { id: string; name: string; argumentsText: string }[] = [];

  add(piece: WireToolCallDelta): void {
    // Servers that omit `index` send each call whole or start a new one with a new id.
    const index =
      typeof piece.index === 'number'
        ? piece.index
        : piece.id !== undefined && piece.id !== this.calls.at(-1)?.id
          ? this.calls.length
          : Math.max(0, this.calls.length - 1);
    const call = (this.calls[index] ??= { id: '', name: '', argumentsText: '' });
    if (piece.id) call.id = piece.id;
    // The name comes whole with the first piece; some servers repeat it on later pieces.
    if (piece.function?.name && !call.name) call.name = piece.function.name;
    if (piece.function?.arguments) call.argumentsText += piece.function.arguments;
  }

  finish(): LlmToolCall[] {
    return this.calls
      .filter((call) => call !== undefined)
      .map((call, position) => {
        if (!call.name) throw invalid(`streamed tool call ${position} has no name`);
        return toolCallFrom(call.id || `call_${position}`, call.name, call.argumentsText);
      });
  }
}

/** A whole response in port terms. */
function resultFrom(response: WireChatResponse): LlmResult {
  const choice = Array.isArray(response?.choices) ? response.choices.find((c) => (c.index ?? 0) === 0) : undefined;
  if (!choice || typeof choice.message !== 'object' || choice.message === null) throw invalid('no choices[0].message');
  const toolCalls = (choice.message.tool_calls ?? []).map((call, position) => {
    if (typeof call?.function?.name !== 'string') throw invalid(`tool call ${position} has no function name`);
    const args = call.function.arguments;
    // A few servers send the arguments as an object instead of JSON text.
    const argumentsText = typeof args === 'string' ? args : JSON.stringify(args ?? {});
    return toolCallFrom(call.id || `call_${position}`, call.function.name, argumentsText);
  });
  const text = typeof choice.message.content === 'string' ? choice.message.content : '';
  return { text, toolCalls, finishReason: finishReasonFrom(choice.finish_reason, toolCalls.length > 0), usage: usageFrom(response.usage) };
}

/**
 * An {@link LlmProvider} over any OpenAI-compatible chat-completions endpoint (`POST {baseUrl}/chat/completions`),
 * with `fetch` and nothing else: OpenAI, Azure OpenAI (`apiVersion`, `apiKeyHeader: api-key`), vLLM,
 * Ollama (`http://host:11434/v1`) and llama.cpp's server. Streams with server-sent events and asks for the
 * usage in the last chunk.
 */
export class OpenAiLlmProvider implements LlmProvider {
  private readonly settings: OpenAiSettings;

  constructor(
    config: OpenAiLlmConfig,
    private readonly logger: PluginLogger,
  ) {
    this.settings = resolveOpenAiSettings(config);
  }

  async complete(ctx: TenantContext, request: LlmRequest): Promise<LlmResult> {
    const timeoutMs = request.timeoutMs ?? this.settings.timeoutMs;
    const signals = new RequestSignals(request.signal, timeoutMs);
    try {
      const response = await this.post(ctx, request, false, signals);
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        if (signals.signal.aborted) throw error;
        throw invalid('the body is not JSON');
      }
      return resultFrom(body as WireChatResponse);
    } catch (error) {
      throw this.logged(ctx, signals.failure(error, timeoutMs));
    }
  }

  async *stream(ctx: TenantContext, request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    const timeoutMs = request.timeoutMs ?? this.settings.timeoutMs;
    const signals = new RequestSignals(request.signal, timeoutMs);
    try {
      const response = await this.post(ctx, request, true, signals).catch((error: unknown) => {
        throw this.logged(ctx, signals.failure(error, timeoutMs));
      });
      if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // A server that ignores `stream: true` answers whole; that is still an answer.
        const result = await response
          .json()
          .then((body: unknown) => resultFrom(body as WireChatResponse))
          .catch((error: unknown) => {
            throw this.logged(ctx, signals.failure(signals.signal.aborted ? error : invalid('the body is neither a stream nor JSON'), timeoutMs));
          });
        if (result.text) yield { type: 'text', delta: result.text };
        for (const call of result.toolCalls) yield { type: 'tool_call', call };
        yield { type: 'done', result };
        return;
      }
      yield* this.readStream(ctx, response, signals, timeoutMs);
    } finally {
      // Stops the download when the consumer leaves early; a no-op once the body was read.
      signals.cancel();
    }
  }

  private async *readStream(ctx: TenantContext, response: Response, signals: RequestSignals, timeoutMs: number): AsyncGenerator<LlmStreamEvent> {
    let text = '';
    let finish: string | null | undefined;
    let usage: LlmResult['usage'] = null;
    let ended = false;
    const calls = new ToolCallAssembler();
    if (!response.body) throw this.logged(ctx, invalid('the stream has no body'));
    const events = readSseData(response.body);
    while (true) {
      let next: IteratorResult<string>;
      try {
        next = await events.next();
      } catch (error) {
        throw this.logged(ctx, signals.failure(error, timeoutMs));
      }
      if (next.done) break;
      if (next.value.trim() === '[DONE]') {
        ended = true;
        break;
      }
      let chunk: WireChatChunk;
      try {
        chunk = JSON.parse(next.value) as WireChatChunk;
      } catch {
        throw this.logged(ctx, invalid('a stream event is not JSON'));
      }
      if (chunk.error) {
        throw this.logged(ctx, llmError('unavailable', `LLM vendor failed mid-stream: ${chunk.error.message ?? 'unknown error'}`, {}));
      }
      if (chunk.usage) usage = usageFrom(chunk.usage);
      const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
      if (!choice) continue;
      const delta = choice.delta?.content;
      if (typeof delta === 'string' && delta !== '') {
        text += delta;
        yield { type: 'text', delta };
      }
      for (const piece of choice.delta?.tool_calls ?? []) calls.add(piece);
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    // Without `[DONE]` a stream that gave its finish reason is complete; one that did not was cut off.
    if (!ended && !finish) {
      throw this.logged(ctx, llmError('unavailable', 'LLM stream ended before the answer was complete', {}));
    }
    let toolCalls: LlmToolCall[];
    try {
      toolCalls = calls.finish();
    } catch (error) {
      throw this.logged(ctx, error as TeroError);
    }
    for (const call of toolCalls) yield { type: 'tool_call', call };
    yield { type: 'done', result: { text, toolCalls, finishReason: finishReasonFrom(finish, toolCalls.length > 0), usage } };
  }

  /** Sends the request; a non-2xx answer becomes the matching `TeroError`. */
  private async post(ctx: TenantContext, request: LlmRequest, stream: boolean, signals: RequestSignals): Promise<Response> {
    const body: WireChatRequest = { model: this.settings.model, messages: toWireMessages(request.messages), stream };
    if (request.tools?.length) body.tools = toWireTools(request.tools);
    // Vendors refuse a tool choice without tools.
    if (request.toolChoice !== undefined && body.tools) body.tool_choice = toWireToolChoice(request.toolChoice);
    const temperature = request.temperature ?? this.settings.temperature;
    if (temperature !== undefined) body.temperature = temperature;
    const maxTokens = request.maxTokens ?? this.settings.maxTokens;
    if (maxTokens !== undefined) body[this.settings.maxTokensParameter] = maxTokens;
    if (stream) body.stream_options = { include_usage: true };

    const response = await fetch(this.settings.url, {
      method: 'POST',
      headers: { ...this.settings.headers, accept: stream ? 'text/event-stream' : 'application/json' },
      body: JSON.stringify(body),
      signal: signals.signal,
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw refusal(response.status, text, response.headers.get('retry-after'));
    }
    this.logger.debug({ requestId: ctx.requestId, clientId: ctx.clientId, stream }, 'llm-openai: answer started');
    return response;
  }

  private logged(ctx: TenantContext, error: TeroError): TeroError {
    if (error.code !== LLM_ERRORS.aborted.code) {
      this.logger.warn({ requestId: ctx.requestId, clientId: ctx.clientId, code: error.code, params: error.params }, `llm-openai: ${error.message}`);
    }
    return error;
  }
}
