import type { EngineState } from '../engine.port';
import { initialState, readState } from './engine-state';

describe('the built-in engine state', () => {
  const stored = {
    v: 1,
    phase: 'book.confirm',
    prompt: { key: 'agent.book.confirm', params: { when: 'Tuesday, March 10 at 8:00 AM' } },
    misses: 1,
    silences: 0,
    turns: 4,
    achieved: false,
    caller: { name: 'Maria Lopez' },
    book: { serviceId: 'cleaning', wish: { date: '2026-03-10', part: 'morning' }, hold: { id: 'h1', start: '2026-03-10T12:00:00.000Z' }, alternatives: ['a', 'b'] },
    message: { text: ['call me back'], hasBody: false, urgent: false, asks: 0, callerIdOk: false, taken: false, note: null },
  } as unknown as EngineState;

  it('reads a deep copy of what the telephony layer kept, so that a turn never changes the caller’s object', () => {
    const before = JSON.stringify(stored);
    const state = readState(stored);
    expect(state).toEqual(structuredClone(stored));
    state.prompt.params!.when = 'changed';
    state.book!.alternatives.push('c');
    state.book!.wish!.time = '09:00';
    state.message!.text.push('more');
    state.caller.phone = '+15550000000';
    expect(JSON.stringify(stored)).toBe(before);
  });

  it('copies what is not plain data as structuredClone does, and keeps a "__proto__" key a key', () => {
    const at = new Date('2026-03-10T12:00:00Z');
    const odd = JSON.parse('{"v":1,"phase":"open","prompt":{"key":"agent.open.prompt"},"__proto__":{"x":1}}') as EngineState;
    const state = readState({ ...(odd as object), at } as unknown as EngineState) as unknown as Record<string, unknown>;
    expect(state.at).toEqual(at);
    expect(state.at).not.toBe(at);
    expect(Object.getPrototypeOf(readState(odd))).toBe(Object.prototype);
    expect(Object.keys(readState(odd))).toContain('__proto__');
  });

  it('starts over on a state it does not know', () => {
    expect(readState(null)).toEqual(initialState());
    expect(readState({ v: 2, phase: 'open' } as unknown as EngineState)).toEqual(initialState());
    expect(readState({ v: 1, phase: 'dancing' } as unknown as EngineState)).toEqual(initialState());
  });
});
