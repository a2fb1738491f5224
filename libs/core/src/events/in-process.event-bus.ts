import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TeroError } from '@tero/sdk';
import { checkEvent, type DomainEvent, type EventBus, type EventHandler, type PublishedEvent, ALL_EVENTS } from './event-bus';

/** An event waiting for its turn, with the handlers subscribed when it was published. */
interface Delivery {
  event: PublishedEvent;
  handlers: EventHandler[];
}

/**
 * Delivery inside one process: the embedded default, and the local half of `RedisEventBus`. Handlers run
 * on a later turn of the event loop (its check phase), so a publisher on a hot path (a call's turn) never
 * waits for a subscriber, and one throwing subscriber cannot keep the others from their event. Every event
 * published within one turn is delivered by one `setImmediate`, not one per handler and event: under load a
 * turn of the loop answers many hooks, and the timers cost more than handing the events over. An event
 * nobody listens to costs nothing beyond its stamp.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  /** Handlers that returned a promise not settled yet, and the pending turn's delivery. */
  private readonly inFlight = new Set<Promise<void>>();
  private queue: Delivery[] = [];
  private closed = false;

  constructor(private readonly logger: Logger) {}

  async publish<P>(event: DomainEvent<P>): Promise<PublishedEvent<P>> {
    const published = this.stamp(event);
    this.deliver(published);
    return published;
  }

  subscribe(type: string, handler: EventHandler): () => void {
    if (typeof type !== 'string' || type === '') throw new TeroError('events.invalid_subscription', 'subscribe(): type must be a non-empty string or "*"');
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    // A wrapper per subscription, so that the same function subscribed twice is two subscriptions.
    const subscription: EventHandler = (event) => handler(event);
    set.add(subscription);
    return () => {
      set.delete(subscription);
      if (set.size === 0 && this.handlers.get(type) === set) this.handlers.delete(type);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Validates, copies and completes an event for publishing; throws on a bad event or a closed bus. */
  stamp<P>(event: DomainEvent<P>): PublishedEvent<P> {
    if (this.closed) throw new TeroError('events.closed', 'the event bus is closed');
    checkEvent(event);
    return Object.freeze({ ...event, id: event.id ?? randomUUID(), at: event.at ?? isoNow() });
  }

  /** Hands an already-stamped event to this process's subscribers (on the loop's next check phase). */
  deliver(event: PublishedEvent): void {
    if (this.closed) return;
    const typed = this.handlers.get(event.type);
    const all = this.handlers.get(ALL_EVENTS);
    if (!typed && !all) return;
    const handlers = typed && all ? [...typed, ...all] : [...(typed ?? all)!];
    if (this.queue.push({ event, handlers }) > 1) return;
    const turn = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.inFlight.delete(turn);
        this.runQueued();
        resolve();
      }),
    );
    this.inFlight.add(turn);
  }

  private runQueued(): void {
    const queue = this.queue;
    this.queue = [];
    for (const { event, handlers } of queue) {
      for (const handler of handlers) {
        try {
          const result = handler(event);
          if (result && typeof (result as Promise<void>).then === 'function') this.track(result as Promise<void>, event);
        } catch (err) {
          this.failed(err, event);
        }
      }
    }
  }

  private track(result: Promise<void>, event: PublishedEvent): void {
    const run: Promise<void> = result.then(
      () => void this.inFlight.delete(run),
      (err: unknown) => {
        this.inFlight.delete(run);
        this.failed(err, event);
      },
    );
    this.inFlight.add(run);
  }

  private failed(err: unknown, event: PublishedEvent): void {
    this.logger.error({ err, eventType: event.type, eventId: event.id }, 'event handler failed');
  }
}

/** The millisecond of the last stamp and its ISO text: formatting a date costs more than the rest of a stamp, and under load many events share a millisecond. */
let isoMs = -1;
let isoText = '';

function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}
