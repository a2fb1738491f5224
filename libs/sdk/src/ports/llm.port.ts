import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import type { JsonSchema } from '../plugin';
import { definePort } from '../port';

/**
 * A call the model asked for. Arguments come as JSON text from the vendor; the provider parses them
 * once so that every consumer does not, and keeps the text so the call can be sent back verbatim.
 */
export interface LlmToolCall {
  /** The vendor's id of the call; a tool result answers it with the same id. */
  id: string;
  /** The function's name, as declared in {@link LlmToolDefinition.name}. */
  name: string;
  /**
   * The arguments parsed from {@link argumentsText}; `null` when the model wrote something that is not
   * a JSON object (models do): the consumer answers with an error result rather than guessing.
   */
  arguments: Record<string, unknown> | null;
  /** The arguments exactly as the model wrote them. */
  argumentsText: string;
}

/** Instructions for the model. */
export interface LlmSystemMessage {
  role: 'system';
  content: string;
}

/** What the person said (or a transcript of it). */
export interface LlmUserMessage {
  role: 'user';
  content: string;
}

/** A previous answer of the model: text, tool calls, or both. */
export interface LlmAssistantMessage {
  role: 'assistant';
  /** `''` when the model only called tools. */
  content: string;
  toolCalls?: LlmToolCall[];
}

/** The result of one tool call, answering the assistant message that asked for it. */
export interface LlmToolResultMessage {
  role: 'tool';
  /** {@link LlmToolCall.id} of the call it answers. */
  toolCallId: string;
  /** What the tool returned, usually JSON text. */
  content: string;
}

/**
 * One message of the conversation sent to the model. Every `tool` message must follow the assistant
 * message whose call it answers (vendors refuse the request otherwise). Plain JSON: a conversation
 * survives `JSON.parse(JSON.stringify(…))`, so it can be kept in an engine's state between turns.
 */
export type LlmMessage = LlmSystemMessage | LlmUserMessage | LlmAssistantMessage | LlmToolResultMessage;

/** A function the model may call. */
export interface LlmToolDefinition {
  /** `^[a-zA-Z0-9_-]{1,64}$`, the vendors' common limit: `check_availability`. */
  name: string;
  /** What it does and when to use it; the model reads this to decide. */
  description: string;
  /** JSON Schema of its arguments object. */
  parameters: JsonSchema;
}

/**
 * Whether the model may or must call tools: `auto` (its choice, the default when tools are given),
 * `none`, `required` (some tool), or one named function.
 */
export type LlmToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** One request for a completion. */
export interface LlmRequest {
  messages: LlmMessage[];
  tools?: LlmToolDefinition[];
  toolChoice?: LlmToolChoice;
  /** 0 – 2; absent: the provider's configured default, else the vendor's. */
  temperature?: number;
  /** Upper bound of tokens the model may produce; absent: the provider's configured default, else the vendor's. */
  maxTokens?: number;
  /** Cancels the request; the provider then throws `llm.aborted`. */
  signal?: AbortSignal;
  /**
   * Upper bound, in milliseconds, for the whole request, streamed answer included; absent: the
   * provider's configured timeout. When it passes the provider throws `llm.timeout`.
   */
  timeoutMs?: number;
}

/** Why the model stopped: it finished, it called tools, it hit `maxTokens`, a filter stopped it, or anything else. */
export type LlmFinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';

/** Tokens the vendor counted for one request, for metering and cost reports. */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** A whole answer of the model. */
export interface LlmResult {
  /** The text of the answer; `''` when the model only called tools. */
  text: string;
  /** Tool calls in the order the model made them; `[]` when none. */
  toolCalls: LlmToolCall[];
  finishReason: LlmFinishReason;
  /** `null` when the vendor did not report usage (some local servers do not). */
  usage: LlmUsage | null;
}

/**
 * What {@link LlmProvider.stream} yields, in order: `text` deltas as the model writes them, one
 * `tool_call` for each tool call once all of its pieces arrived, then exactly one `done` carrying the
 * whole result (the text deltas joined, the same tool calls, the finish reason and the usage).
 */
export type LlmStreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'done'; result: LlmResult };

/**
 * A chat model with tool calling. Every method takes the tenant context first, so a provider can use
 * the tenant's own key and model.
 *
 * Errors are `TeroError`s with these codes:
 * - `llm.rate_limited` (retryable): the vendor said 429;
 * - `llm.unavailable` (retryable): unreachable, a 5xx, or a stream cut before its end;
 * - `llm.timeout` (retryable): `timeoutMs` passed;
 * - `llm.auth_failed` (not retryable): the vendor refused the key (401, 403);
 * - `llm.rejected` (not retryable): the vendor refused the request (400, 404, 422…);
 * - `llm.invalid_response` (not retryable): the vendor answered with something that is not its API;
 * - `llm.aborted` (not retryable): the request's `signal` was aborted.
 */
export interface LlmProvider {
  /** Asks for a whole answer. */
  complete(ctx: TenantContext, request: LlmRequest): Promise<LlmResult>;
  /**
   * Asks for the answer as a stream of events (see {@link LlmStreamEvent}). Errors are thrown from the
   * iteration. Leaving the iteration early (`break`) cancels the request.
   */
  stream(ctx: TenantContext, request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}

/** Port token for chat models: `registry.get(LLM, ctx, 'llm-openai')`. */
export const LLM = definePort<LlmProvider>('llm', 1);

/** The error codes an {@link LlmProvider} throws, with whether trying again later may succeed. */
export const LLM_ERRORS = {
  rateLimited: { code: 'llm.rate_limited', retryable: true },
  unavailable: { code: 'llm.unavailable', retryable: true },
  timeout: { code: 'llm.timeout', retryable: true },
  authFailed: { code: 'llm.auth_failed', retryable: false },
  rejected: { code: 'llm.rejected', retryable: false },
  invalidResponse: { code: 'llm.invalid_response', retryable: false },
  aborted: { code: 'llm.aborted', retryable: false },
} as const;

/**
 * Reads a stream to its end and returns the result its `done` event carries, checking that the
 * events agree with it (the deltas join to its text, the `tool_call` events are its tool calls).
 * Throws `llm.invalid_response` when the stream ends without `done` or contradicts itself: a provider
 * bug must not reach a caller as a half answer.
 */
export async function collectLlmStream(events: AsyncIterable<LlmStreamEvent>): Promise<LlmResult> {
  let text = '';
  const calls: LlmToolCall[] = [];
  let result: LlmResult | undefined;
  for await (const event of events) {
    if (result) throw invalidStream('an event came after "done"');
    if (event.type === 'text') text += event.delta;
    else if (event.type === 'tool_call') calls.push(event.call);
    else result = event.result;
  }
  if (!result) throw invalidStream('the stream ended without "done"');
  if (result.text !== text) throw invalidStream('the text deltas do not join to the result text');
  if (result.toolCalls.length !== calls.length || result.toolCalls.some((call, i) => call.id !== calls[i].id)) {
    throw invalidStream('the tool_call events are not the result tool calls');
  }
  return result;
}

function invalidStream(reason: string): TeroError {
  return new TeroError(LLM_ERRORS.invalidResponse.code, `LLM stream is inconsistent: ${reason}`, { reason }, { retryable: false, status: 502 });
}
