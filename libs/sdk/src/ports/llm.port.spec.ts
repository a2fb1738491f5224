import { TeroError } from '../errors';
import { collectLlmStream, type LlmResult, type LlmStreamEvent } from './llm.port';

async function* events(...list: LlmStreamEvent[]): AsyncGenerator<LlmStreamEvent> {
  yield* list;
}

const call = { id: 'c1', name: 'end_call', arguments: {}, argumentsText: '{}' };
const result: LlmResult = { text: 'Bye now', toolCalls: [call], finishReason: 'tool_calls', usage: null };

describe('collectLlmStream', () => {
  it("returns the done event's result when the events agree with it", async () => {
    const collected = await collectLlmStream(
      events({ type: 'text', delta: 'Bye' }, { type: 'text', delta: ' now' }, { type: 'tool_call', call }, { type: 'done', result }),
    );

    expect(collected).toBe(result);
  });

  it.each<[string, LlmStreamEvent[]]>([
    ['no done', [{ type: 'text', delta: 'Bye now' }, { type: 'tool_call', call }]],
    ['deltas that do not join to the text', [{ type: 'text', delta: 'Bye' }, { type: 'tool_call', call }, { type: 'done', result }]],
    ['a missing tool_call event', [{ type: 'text', delta: 'Bye now' }, { type: 'done', result }]],
    ['an event after done', [{ type: 'text', delta: 'Bye now' }, { type: 'tool_call', call }, { type: 'done', result }, { type: 'text', delta: '!' }]],
  ])('refuses a stream with %s as llm.invalid_response', async (_case, list) => {
    const error = await collectLlmStream(events(...list)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TeroError);
    expect((error as TeroError).code).toBe('llm.invalid_response');
  });
});
