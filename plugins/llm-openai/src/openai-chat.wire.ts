import type { LlmFinishReason, LlmMessage, LlmToolCall, LlmToolChoice, LlmToolDefinition, LlmUsage } from '@tero/sdk';

/**
 * The OpenAI chat-completions wire format, as far as this plugin uses it, and its mapping to and from
 * the SDK's port types. OpenAI, Azure OpenAI, vLLM, Ollama (`/v1`) and llama.cpp's server all speak it.
 */

/** A tool call in a request or a whole response. */
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface WireTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export type WireToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** The body of `POST /chat/completions`. */
export interface WireChatRequest {
  model: string;
  messages: WireMessage[];
  tools?: WireTool[];
  tool_choice?: WireToolChoice;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream: boolean;
  stream_options?: { include_usage: boolean };
}

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A whole (unstreamed) answer. */
export interface WireChatResponse {
  choices: { index: number; message: { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }; finish_reason: string | null }[];
  usage?: WireUsage | null;
}

/** A piece of a tool call in a streamed chunk: the first piece has the id and name, later ones only arguments. */
export interface WireToolCallDelta {
  index?: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** One `data:` line of a streamed answer. The last one (with `stream_options.include_usage`) has no choices and the usage. */
export interface WireChatChunk {
  choices?: { index?: number; delta?: { role?: string; content?: string | null; tool_calls?: WireToolCallDelta[] }; finish_reason?: string | null }[];
  usage?: WireUsage | null;
  /** Some servers report a failure in the stream itself. */
  error?: { message?: string; code?: string | number | null };
}

/** Port messages in wire form. An assistant message that only called tools sends `content: null`, as OpenAI does. */
export function toWireMessages(messages: LlmMessage[]): WireMessage[] {
  return messages.map((message): WireMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.argumentsText } })),
        };
      }
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

export function toWireTools(tools: LlmToolDefinition[]): WireTool[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
}

export function toWireToolChoice(choice: LlmToolChoice): WireToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** A tool call with its arguments parsed; `arguments: null` when the text is not a JSON object. */
export function toolCallFrom(id: string, name: string, argumentsText: string): LlmToolCall {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsText);
  } catch {
    parsed = null;
  }
  const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  return { id, name, arguments: isObject ? (parsed as Record<string, unknown>) : null, argumentsText };
}

/**
 * The vendor's finish reason in port terms. Some local servers (older Ollama) say `stop` while
 * returning tool calls; what the consumer must do next is run them, so that is `tool_calls`.
 */
export function finishReasonFrom(reason: string | null | undefined, hasToolCalls: boolean): LlmFinishReason {
  if (hasToolCalls && (reason === 'stop' || reason == null)) return 'tool_calls';
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return reason == null ? 'stop' : 'other';
  }
}

export function usageFrom(usage: WireUsage | null | undefined): LlmUsage | null {
  if (!usage || typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return null;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : usage.prompt_tokens + usage.completion_tokens,
  };
}
