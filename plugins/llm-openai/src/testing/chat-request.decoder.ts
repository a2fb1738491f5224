import type { LlmMessage, LlmToolChoice, LlmToolDefinition } from '@tero/sdk';
import type { LlmReceivedRequest } from '@tero/sdk/testing';

/**
 * Reads a chat-completions request body the way a strict vendor does, for the fake server: every field
 * is checked, and what OpenAI refuses with a 400 is refused here too (a tool result that answers no
 * earlier tool call, a tool call left unanswered, an unknown role…), so that a provider or an engine
 * that builds a bad conversation fails its tests instead of failing in production.
 */

/** Why the body would get a 400, in the vendor's words. */
export class ChatRequestInvalid extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'ChatRequestInvalid';
  }
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function requireString(value: unknown, param: string): string {
  if (typeof value !== 'string') throw new ChatRequestInvalid(`${param} must be a string`, param);
  return value;
}

function decodeMessages(value: unknown): LlmMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new ChatRequestInvalid('messages must be a non-empty array', 'messages');
  const messages: LlmMessage[] = [];
  /** Ids of the latest assistant message's tool calls that no tool message answered yet. */
  let open = new Set<string>();
  value.forEach((raw, i) => {
    const param = `messages[${i}]`;
    if (!isRecord(raw)) throw new ChatRequestInvalid(`${param} must be an object`, param);
    if (raw.role !== 'tool' && open.size > 0) {
      throw new ChatRequestInvalid(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. Missing: ${[...open].join(', ')}`,
        param,
      );
    }
    switch (raw.role) {
      case 'system':
      case 'user':
        messages.push({ role: raw.role, content: requireString(raw.content, `${param}.content`) });
        return;
      case 'assistant': {
        const calls = raw.tool_calls;
        if (calls === undefined || (Array.isArray(calls) && calls.length === 0)) {
          messages.push({ role: 'assistant', content: requireString(raw.content, `${param}.content`) });
          return;
        }
        if (!Array.isArray(calls)) throw new ChatRequestInvalid(`${param}.tool_calls must be an array`, `${param}.tool_calls`);
        if (raw.content !== null && typeof raw.content !== 'string') {
          throw new ChatRequestInvalid(`${param}.content must be a string or null`, `${param}.content`);
        }
        const toolCalls = calls.map((call: unknown, j: number) => {
          const where = `${param}.tool_calls[${j}]`;
          if (!isRecord(call) || call.type !== 'function' || !isRecord(call.function)) {
            throw new ChatRequestInvalid(`${where} must be {id, type: "function", function}`, where);
          }
          const argumentsText = requireString(call.function.arguments, `${where}.function.arguments`);
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(argumentsText);
          } catch {
            parsed = null;
          }
          return {
            id: requireString(call.id, `${where}.id`),
            name: requireString(call.function.name, `${where}.function.name`),
            arguments: isRecord(parsed) ? parsed : null,
            argumentsText,
          };
        });
        open = new Set(toolCalls.map((call) => call.id));
        messages.push({ role: 'assistant', content: (raw.content as string | null) ?? '', toolCalls });
        return;
      }
      case 'tool': {
        const id = requireString(raw.tool_call_id, `${param}.tool_call_id`);
        if (!open.delete(id)) {
          throw new ChatRequestInvalid(
            `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (${id})`,
            param,
          );
        }
        messages.push({ role: 'tool', toolCallId: id, content: requireString(raw.content, `${param}.content`) });
        return;
      }
      default:
        throw new ChatRequestInvalid(`${param}.role must be one of system, user, assistant, tool`, `${param}.role`);
    }
  });
  if (open.size > 0) {
    throw new ChatRequestInvalid(`tool calls left unanswered at the end: ${[...open].join(', ')}`, 'messages');
  }
  return messages;
}

function decodeTools(value: unknown): LlmToolDefinition[] {
  if (!Array.isArray(value) || value.length === 0) throw new ChatRequestInvalid('tools must be a non-empty array', 'tools');
  const names = new Set<string>();
  return value.map((tool: unknown, i) => {
    const param = `tools[${i}]`;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
      throw new ChatRequestInvalid(`${param} must be {type: "function", function}`, param);
    }
    const name = requireString(tool.function.name, `${param}.function.name`);
    if (!TOOL_NAME.test(name)) throw new ChatRequestInvalid(`${param}.function.name must match ${TOOL_NAME}`, `${param}.function.name`);
    if (names.has(name)) throw new ChatRequestInvalid(`${param}.function.name "${name}" is declared twice`, `${param}.function.name`);
    names.add(name);
    const parameters = tool.function.parameters;
    if (!isRecord(parameters) || parameters.type !== 'object') {
      throw new ChatRequestInvalid(`${param}.function.parameters must be a JSON Schema of an object`, `${param}.function.parameters`);
    }
    return { name, description: requireString(tool.function.description, `${param}.function.description`), parameters };
  });
}

function decodeToolChoice(value: unknown, tools: LlmToolDefinition[] | undefined): LlmToolChoice {
  if (!tools) throw new ChatRequestInvalid('tool_choice is only allowed when tools are specified', 'tool_choice');
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isRecord(value) && value.type === 'function' && isRecord(value.function) && typeof value.function.name === 'string') {
    const name = value.function.name;
    if (!tools.some((tool) => tool.name === name)) throw new ChatRequestInvalid(`tool_choice names an undeclared function "${name}"`, 'tool_choice');
    return { name };
  }
  throw new ChatRequestInvalid('tool_choice must be auto, none, required or {type: "function", function: {name}}', 'tool_choice');
}

function decodeNumber(value: unknown, param: string, min: number, max: number, integer: boolean): number {
  if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ChatRequestInvalid(`${param} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, param);
  }
  return value;
}

const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'tools',
  'tool_choice',
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'stream',
  'stream_options',
]);

/** A decoded request, plus what only the wire shows. */
export interface DecodedChatRequest {
  request: LlmReceivedRequest;
  model: string;
  /** Whether the usage was asked for in the stream's last chunk. */
  includeUsage: boolean;
}

/** Decodes a request body, or throws {@link ChatRequestInvalid} saying what OpenAI would answer 400 for. */
export function decodeChatRequest(body: unknown): DecodedChatRequest {
  if (!isRecord(body)) throw new ChatRequestInvalid('the body must be a JSON object', '(body)');
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw new ChatRequestInvalid(`Unrecognized request argument supplied: ${key}`, key);
  }
  const model = requireString(body.model, 'model');
  if (model === '') throw new ChatRequestInvalid('model must not be empty', 'model');
  const request: LlmReceivedRequest = { messages: decodeMessages(body.messages), stream: body.stream === true };
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new ChatRequestInvalid('stream must be a boolean', 'stream');
  if (body.tools !== undefined) request.tools = decodeTools(body.tools);
  if (body.tool_choice !== undefined) request.toolChoice = decodeToolChoice(body.tool_choice, request.tools);
  if (body.temperature !== undefined) request.temperature = decodeNumber(body.temperature, 'temperature', 0, 2, false);
  if (body.max_tokens !== undefined && body.max_completion_tokens !== undefined) {
    throw new ChatRequestInvalid('max_tokens and max_completion_tokens cannot both be set', 'max_tokens');
  }
  const limit = body.max_tokens ?? body.max_completion_tokens;
  if (limit !== undefined) request.maxTokens = decodeNumber(limit, body.max_tokens !== undefined ? 'max_tokens' : 'max_completion_tokens', 1, 1_000_000, true);
  let includeUsage = false;
  if (body.stream_options !== undefined) {
    if (!request.stream) throw new ChatRequestInvalid('stream_options is only allowed when stream is true', 'stream_options');
    if (!isRecord(body.stream_options) || typeof body.stream_options.include_usage !== 'boolean') {
      throw new ChatRequestInvalid('stream_options must be {include_usage: boolean}', 'stream_options');
    }
    includeUsage = body.stream_options.include_usage;
  }
  return { request, model, includeUsage };
}
