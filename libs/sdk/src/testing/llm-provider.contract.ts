import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import {
  collectLlmStream,
  type LlmFinishReason,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
  type LlmStreamEvent,
  type LlmToolChoice,
  type LlmToolDefinition,
  type LlmUsage,
} from '../ports/llm.port';

/**
 * What the fake vendor answers to one request, in port terms; the harness's fake turns it into the
 * vendor's wire format.
 *
 * - `answer`: a normal answer. When the request asked for a stream, the fake must send the text in at
 *   least two deltas and each tool call's arguments in at least two pieces (when they are two
 *   characters or more), as real vendors do, then the usage. `finishReason` defaults to `tool_calls`
 *   when there are tool calls, else `stop`.
 * - `error`: the vendor refuses with this HTTP status and its usual error body.
 * - `hang`: the vendor accepts the connection and never answers.
 * - `stall`: the vendor starts answering (status and headers; when streaming, a first delta of `text`)
 *   and then sends nothing more.
 */
export type LlmScriptedReply =
  | {
      type: 'answer';
      text?: string;
      toolCalls?: { id: string; name: string; argumentsText: string }[];
      finishReason?: LlmFinishReason;
      usage: LlmUsage;
    }
  | { type: 'error'; status: number; message?: string }
  | { type: 'hang' }
  | { type: 'stall'; text: string };

/** One request as the fake vendor received it, decoded back into port terms. */
export interface LlmReceivedRequest {
  messages: LlmMessage[];
  tools?: LlmToolDefinition[];
  toolChoice?: LlmToolChoice;
  temperature?: number;
  maxTokens?: number;
  /** Whether the provider asked for a streamed answer. */
  stream: boolean;
}

/** What {@link LlmProviderContractHarness.setup} returns for one test. */
export interface LlmProviderContractFixture {
  /** The provider under test, pointed at the running fake vendor. */
  provider: LlmProvider;
  /** The tenant every call of the test is made for. */
  ctx: TenantContext;
  /** Queues the fake's answers to the next requests, one per request, in order. */
  script(...replies: LlmScriptedReply[]): void;
  /** Requests the fake received since `setup()`, oldest first. */
  received(): Promise<LlmReceivedRequest[]>;
}

/**
 * How the contract reaches a plugin's provider and its local fake vendor. Tests never call a real
 * vendor: start a local fake (a `node:http` server speaking the vendor's API) on a random port in
 * `setup()` and stop it, connections left hanging included, in `teardown()`.
 */
export interface LlmProviderContractHarness {
  /** Starts a fresh fake vendor and a provider pointed at it. Called before each case. */
  setup(): Promise<LlmProviderContractFixture>;
  /** Stops what `setup()` started. Called after each case, also when it failed. */
  teardown(): Promise<void>;
  /** A provider configured like the real one but pointed at a closed port on 127.0.0.1. */
  unreachable(): Promise<LlmProvider>;
}

/** Short enough to keep the suite quick, long enough for a loopback answer. */
const CONTRACT_TIMEOUT_MS = 400;

const USAGE: LlmUsage = { promptTokens: 52, completionTokens: 17, totalTokens: 69 };

const SYSTEM = 'You are the front desk of a dental practice. Keep answers short.';

const CHECK_AVAILABILITY: LlmToolDefinition = {
  name: 'check_availability',
  description: 'Free appointment starts for a service in a time window.',
  parameters: {
    type: 'object',
    properties: {
      serviceId: { type: 'string', enum: ['cleaning', 'exam'] },
      from: { type: 'string', description: 'Local YYYY-MM-DDTHH:MM' },
      to: { type: 'string', description: 'Local YYYY-MM-DDTHH:MM' },
    },
    required: ['serviceId', 'from', 'to'],
    additionalProperties: false,
  },
};

const TAKE_MESSAGE: LlmToolDefinition = {
  name: 'take_message',
  description: 'Leaves a message for the team.',
  parameters: {
    type: 'object',
    properties: { callbackNumber: { type: 'string' }, text: { type: 'string' }, urgent: { type: 'boolean' } },
    required: ['callbackNumber', 'text'],
    additionalProperties: false,
  },
};

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it resolved');
}

function expectTeroError(error: unknown, code: string, retryable: boolean): void {
  expect(error).toBeInstanceOf(TeroError);
  expect({ code: (error as TeroError).code, retryable: (error as TeroError).retryable }).toEqual({ code, retryable });
}

async function drain(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const seen: LlmStreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

function conversation(question: string): LlmMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: question },
  ];
}

/**
 * The conformance suite of the {@link LlmProvider} port. Every LLM plugin runs it, in a spec beside its
 * provider, against its own local fake vendor:
 *
 * ```ts
 * import { runLlmProviderContract } from '@tero/sdk/testing';
 *
 * runLlmProviderContract('llm-openai', {
 *   async setup() { … start a fake on 127.0.0.1:0, return { provider, ctx, script, received } },
 *   async teardown() { … stop it },
 *   async unreachable() { return new OpenAiLlmProvider({ baseUrl: 'http://127.0.0.1:<closed port>/v1', … }) },
 * });
 * ```
 *
 * It defines one Jest `describe` block named after the plugin, checking that:
 * - a plain completion returns the text, `stop` and the usage, and sends the messages, temperature and
 *   token limit as given, unstreamed;
 * - a tool call comes back with its id, name and parsed arguments (`tool_calls`), the tools and the tool
 *   choice reach the vendor, and a follow-up carrying the call and its result reaches it intact;
 * - arguments that are not a JSON object come back as `arguments: null` with their text kept;
 * - a streamed answer arrives as several text deltas joined by one final `done`, with the usage;
 * - two streamed tool calls whose arguments arrive in pieces come out as two whole `tool_call` events;
 * - 429 and 5xx throw retryable `llm.rate_limited` / `llm.unavailable`; 400 and 401 throw
 *   non-retryable `llm.rejected` / `llm.auth_failed`, streamed or not;
 * - a vendor that never answers, or stops half-way through, throws a retryable `llm.timeout` after
 *   `timeoutMs`; an aborted signal throws `llm.aborted`; an unreachable vendor throws `llm.unavailable`.
 */
export function runLlmProviderContract(name: string, harness: LlmProviderContractHarness): void {
  describe(`LlmProvider contract: ${name}`, () => {
    let fixture: LlmProviderContractFixture;

    beforeEach(async () => {
      fixture = await harness.setup();
    });

    afterEach(async () => {
      await harness.teardown();
    });

    it('completes a plain answer and sends the messages, temperature and token limit as given', async () => {
      const { provider, ctx } = fixture;
      fixture.script({ type: 'answer', text: 'We open at 8 on weekdays. Anything else? ☺', usage: USAGE });
      const messages = conversation('When do you open? Merci, ¿vale?');

      const result = await provider.complete(ctx, { messages, temperature: 0.2, maxTokens: 120 });

      expect(result).toEqual({ text: 'We open at 8 on weekdays. Anything else? ☺', toolCalls: [], finishReason: 'stop', usage: USAGE });
      const [sent] = await fixture.received();
      expect(sent).toEqual({ messages, temperature: 0.2, maxTokens: 120, stream: false });
    });

    it('returns a tool call with parsed arguments, and sends the call and its result back intact', async () => {
      const { provider, ctx } = fixture;
      const argumentsText = '{"serviceId":"cleaning","from":"2026-03-10T08:00","to":"2026-03-10T12:00"}';
      fixture.script(
        { type: 'answer', toolCalls: [{ id: 'call_avail_1', name: 'check_availability', argumentsText }], usage: USAGE },
        { type: 'answer', text: 'I have 9 or 10 on Tuesday.', usage: USAGE },
      );
      const first: LlmRequest = {
        messages: conversation('A cleaning next Tuesday morning, please.'),
        tools: [CHECK_AVAILABILITY, TAKE_MESSAGE],
        toolChoice: 'auto',
      };

      const called = await provider.complete(ctx, first);

      expect(called.finishReason).toBe('tool_calls');
      expect(called.text).toBe('');
      expect(called.toolCalls).toEqual([
        {
          id: 'call_avail_1',
          name: 'check_availability',
          arguments: { serviceId: 'cleaning', from: '2026-03-10T08:00', to: '2026-03-10T12:00' },
          argumentsText,
        },
      ]);

      const followUp: LlmMessage[] = [
        ...first.messages,
        { role: 'assistant', content: '', toolCalls: called.toolCalls },
        { role: 'tool', toolCallId: 'call_avail_1', content: '{"slots":["2026-03-10T09:00","2026-03-10T10:00"]}' },
      ];
      const answered = await provider.complete(ctx, { messages: followUp, tools: first.tools, toolChoice: { name: 'take_message' } });

      expect(answered.text).toBe('I have 9 or 10 on Tuesday.');
      const [sentFirst, sentSecond] = await fixture.received();
      expect(sentFirst).toEqual({ messages: first.messages, tools: first.tools, toolChoice: 'auto', stream: false });
      expect(sentSecond).toEqual({ messages: followUp, tools: first.tools, toolChoice: { name: 'take_message' }, stream: false });
    });

    it('keeps arguments that are not a JSON object as text, with arguments null', async () => {
      const { provider, ctx } = fixture;
      fixture.script({
        type: 'answer',
        toolCalls: [
          { id: 'call_bad', name: 'take_message', argumentsText: '{"callbackNumber": "+1555' },
          { id: 'call_list', name: 'take_message', argumentsText: '[1,2]' },
        ],
        usage: USAGE,
      });

      const result = await provider.complete(ctx, { messages: conversation('Take a message'), tools: [TAKE_MESSAGE] });

      expect(result.toolCalls).toEqual([
        { id: 'call_bad', name: 'take_message', arguments: null, argumentsText: '{"callbackNumber": "+1555' },
        { id: 'call_list', name: 'take_message', arguments: null, argumentsText: '[1,2]' },
      ]);
    });

    it('streams a text answer as several deltas, then one done with the whole result and the usage', async () => {
      const { provider, ctx } = fixture;
      const text = 'Sure, I can help with that. Which day suits you best, Ana?';
      fixture.script({ type: 'answer', text, usage: USAGE });
      const messages = conversation('I need an appointment.');

      const events = await drain(provider.stream(ctx, { messages, tools: [CHECK_AVAILABILITY], temperature: 0 }));

      const deltas = events.filter((event) => event.type === 'text');
      expect(deltas.length).toBeGreaterThanOrEqual(2);
      expect(deltas.map((event) => event.delta).join('')).toBe(text);
      expect(events.filter((event) => event.type === 'done')).toHaveLength(1);
      expect(events.at(-1)).toEqual({ type: 'done', result: { text, toolCalls: [], finishReason: 'stop', usage: USAGE } });
      const [sent] = await fixture.received();
      expect(sent).toEqual({ messages, tools: [CHECK_AVAILABILITY], temperature: 0, stream: true });
    });

    it('assembles streamed tool calls whose arguments arrive in pieces into whole tool_call events', async () => {
      const { provider, ctx } = fixture;
      const availability = '{"serviceId":"exam","from":"2026-03-12T13:00","to":"2026-03-12T17:00"}';
      const message = '{"callbackNumber":"+15550142233","text":"Café ☕ — call me back, por favor","urgent":false}';
      fixture.script({
        type: 'answer',
        text: 'One moment.',
        toolCalls: [
          { id: 'call_a', name: 'check_availability', argumentsText: availability },
          { id: 'call_b', name: 'take_message', argumentsText: message },
        ],
        usage: USAGE,
      });

      const events = await drain(provider.stream(ctx, { messages: conversation('Thursday afternoon?'), tools: [CHECK_AVAILABILITY, TAKE_MESSAGE] }));

      const calls = events.flatMap((event) => (event.type === 'tool_call' ? [event.call] : []));
      expect(calls).toEqual([
        { id: 'call_a', name: 'check_availability', arguments: JSON.parse(availability), argumentsText: availability },
        { id: 'call_b', name: 'take_message', arguments: JSON.parse(message), argumentsText: message },
      ]);
      const done = events.at(-1);
      expect(done).toEqual({ type: 'done', result: { text: 'One moment.', toolCalls: calls, finishReason: 'tool_calls', usage: USAGE } });
      expect((await fixture.received())[0].stream).toBe(true);
    });

    it('gives the same result through collectLlmStream as through complete', async () => {
      const { provider, ctx } = fixture;
      const reply: LlmScriptedReply = {
        type: 'answer',
        text: 'Let me check.',
        toolCalls: [{ id: 'call_x', name: 'check_availability', argumentsText: '{"serviceId":"cleaning","from":"a","to":"b"}' }],
        usage: USAGE,
      };
      fixture.script(reply, reply);
      const request: LlmRequest = { messages: conversation('Cleaning?'), tools: [CHECK_AVAILABILITY] };

      const streamed = await collectLlmStream(provider.stream(ctx, request));
      const completed = await provider.complete(ctx, request);

      expect(streamed).toEqual(completed);
    });

    const refusals: [number, string, boolean][] = [
      [429, 'llm.rate_limited', true],
      [500, 'llm.unavailable', true],
      [503, 'llm.unavailable', true],
      [400, 'llm.rejected', false],
      [401, 'llm.auth_failed', false],
    ];
    for (const [status, code, retryable] of refusals) {
      it(`turns a vendor ${status} into ${code} (retryable: ${retryable}), streamed or not`, async () => {
        const { provider, ctx } = fixture;
        fixture.script({ type: 'error', status, message: `vendor says ${status}` }, { type: 'error', status, message: `vendor says ${status}` });
        const request: LlmRequest = { messages: conversation('Hello?') };

        expectTeroError(await caught(() => provider.complete(ctx, request)), code, retryable);
        expectTeroError(await caught(() => drain(provider.stream(ctx, request))), code, retryable);
      });
    }

    it('throws a retryable llm.timeout when the vendor never answers, streamed or not', async () => {
      const { provider, ctx } = fixture;
      fixture.script({ type: 'hang' }, { type: 'hang' });
      const request: LlmRequest = { messages: conversation('Hello?'), timeoutMs: CONTRACT_TIMEOUT_MS };

      expectTeroError(await caught(() => provider.complete(ctx, request)), 'llm.timeout', true);
      expectTeroError(await caught(() => drain(provider.stream(ctx, request))), 'llm.timeout', true);
    });

    it('throws a retryable llm.timeout when the vendor stops half-way through, streamed or not', async () => {
      const { provider, ctx } = fixture;
      fixture.script({ type: 'stall', text: 'Let me see' }, { type: 'stall', text: 'Let me see' });
      const request: LlmRequest = { messages: conversation('Hello?'), timeoutMs: CONTRACT_TIMEOUT_MS };

      expectTeroError(await caught(() => provider.complete(ctx, request)), 'llm.timeout', true);
      const seen: LlmStreamEvent[] = [];
      const error = await caught(async () => {
        for await (const event of provider.stream(ctx, request)) seen.push(event);
      });
      expectTeroError(error, 'llm.timeout', true);
      expect(seen.every((event) => event.type === 'text')).toBe(true);
    });

    it('throws llm.aborted (not retryable) when the signal is aborted', async () => {
      const { provider, ctx } = fixture;
      fixture.script({ type: 'hang' }, { type: 'hang' });
      const controller = new AbortController();
      const request: LlmRequest = { messages: conversation('Hello?'), signal: controller.signal };

      const pending = caught(() => provider.complete(ctx, request));
      controller.abort();
      expectTeroError(await pending, 'llm.aborted', false);
      expectTeroError(await caught(() => drain(provider.stream(ctx, request))), 'llm.aborted', false);
    });

    it('throws a retryable llm.unavailable when the vendor cannot be reached, streamed or not', async () => {
      const provider = await harness.unreachable();
      const request: LlmRequest = { messages: conversation('Hello?') };

      expectTeroError(await caught(() => provider.complete(fixture.ctx, request)), 'llm.unavailable', true);
      expectTeroError(await caught(() => drain(provider.stream(fixture.ctx, request))), 'llm.unavailable', true);
    });
  });
}
