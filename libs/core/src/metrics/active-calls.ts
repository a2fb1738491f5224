import type { EventBus } from '../events/event-bus';

export interface ActiveCallsOptions {
  /** The event a call's start publishes (`call.started`) and its end (`call.ended`); core knows no call path. */
  startedEvent: string;
  endedEvent: string;
  /** A call not seen to end after this long is no longer counted (a lost `call.ended`). Default 4 hours. */
  maxCallMs?: number;
  now?: () => number;
}

/**
 * Counts calls in progress from the bus: a call counts from its `started` event to its `ended` event.
 * The bus delivers every replica's events to every replica (Redis) or the one process's (embedded), so
 * each process counts the instance's calls, not only the hooks it answered: take the `max` across
 * replicas, not the `sum`. A process that starts while calls are up counts them only from their next
 * start (it never goes negative: an end without a start is ignored), and a call whose end was lost
 * stops counting after {@link ActiveCallsOptions.maxCallMs}. Holds one entry per call in progress.
 */
export class ActiveCallsTracker {
  private readonly calls = new Map<string, number>();
  private readonly maxCallMs: number;
  private readonly now: () => number;
  private readonly off: (() => void)[] = [];

  constructor(
    events: EventBus,
    private readonly options: ActiveCallsOptions,
  ) {
    this.maxCallMs = options.maxCallMs ?? 4 * 3_600_000;
    this.now = options.now ?? Date.now;
    this.off.push(
      events.subscribe(options.startedEvent, (event) => {
        const sid = callKey(event.payload);
        if (sid) this.calls.set(sid, this.now());
      }),
      events.subscribe(options.endedEvent, (event) => {
        const sid = callKey(event.payload);
        if (sid) this.calls.delete(sid);
      }),
    );
  }

  /** Calls in progress now; forgets those older than the limit. */
  count(): number {
    const oldest = this.now() - this.maxCallMs;
    for (const [sid, at] of this.calls) if (at < oldest) this.calls.delete(sid);
    return this.calls.size;
  }

  stop(): void {
    for (const off of this.off.splice(0)) off();
    this.calls.clear();
  }
}

function callKey(payload: unknown): string | null {
  const sid = (payload as { callSid?: unknown } | null)?.callSid;
  return typeof sid === 'string' && sid ? sid : null;
}
