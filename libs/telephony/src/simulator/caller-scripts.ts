import type { CallerAction, CallerInputSource } from './simulator.types';

/**
 * Reads one scripted caller line. Plain text is speech; `[silence]`, `[hangup]` and `[dtmf 123]` (or
 * `[press 1]`) stand for what a caller does without words, so a script or the CLI can say it.
 */
export function parseCallerLine(line: string): CallerAction {
  const text = line.trim();
  const tag = /^\[(\w+)(?:\s+([0-9*#]+))?\]$/i.exec(text);
  if (tag) {
    const word = tag[1].toLowerCase();
    if (word === 'silence' && !tag[2]) return { silence: true };
    if (word === 'hangup' && !tag[2]) return { hangup: true };
    if ((word === 'dtmf' || word === 'press') && tag[2]) return { dtmf: tag[2] };
  }
  return text ? { speech: text } : { silence: true };
}

/**
 * A caller who says the given lines in order, one per time the agent listens, and hangs up when the
 * script is over (as a real caller does once their business is done).
 */
export function scriptedCaller(lines: readonly (string | CallerAction)[]): CallerInputSource {
  let next = 0;
  return async () => {
    if (next >= lines.length) return { hangup: true };
    const line = lines[next++];
    return typeof line === 'string' ? parseCallerLine(line) : line;
  };
}

/**
 * A caller who says `first`, then stays on the line saying nothing until `release()` is called, then hangs
 * up: a call held in progress while something else looks at it (the live dashboard, its record so far).
 */
export function heldCaller(first: string): { input: CallerInputSource; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let turn = 0;
  return {
    release,
    input: async () => {
      if (turn++ === 0) return { speech: first };
      await gate;
      return { hangup: true };
    },
  };
}

/**
 * The caller lines of a scenario file: a profession pack's scenario (`turns[].caller`, see
 * `PackScenario`) or a plain `{ "turns": ["…", "…"] }`. Throws naming the field when the shape is wrong.
 */
export function scenarioCallerLines(scenario: unknown): string[] {
  const turns = (scenario as { turns?: unknown } | null)?.turns;
  if (!Array.isArray(turns) || turns.length === 0) throw new Error('turns: must be a non-empty array');
  return turns.map((turn, i) => {
    if (typeof turn === 'string') return turn;
    const caller = (turn as { caller?: unknown } | null)?.caller;
    if (typeof caller !== 'string') throw new Error(`turns[${i}].caller: must be a string`);
    return caller;
  });
}
