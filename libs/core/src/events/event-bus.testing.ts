import pino from 'pino';
import type { PublishedEvent } from './event-bus';

/** Test helpers for event-bus specs. */

/** Records what a handler receives; `until` waits for a condition on it (no sleeps). */
export function collector() {
  const events: PublishedEvent[] = [];
  let waiters: { check: () => boolean; resolve: () => void }[] = [];
  const handler = (event: PublishedEvent) => {
    events.push(event);
    waiters = waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  };
  const until = (check: (events: PublishedEvent[]) => boolean) =>
    new Promise<void>((resolve) => {
      if (check(events)) resolve();
      else waiters.push({ check: () => check(events), resolve });
    });
  return { events, handler, until, types: () => events.map((e) => e.type) };
}

/** A real pino logger whose lines (at warn and above) are kept for assertions. */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}
