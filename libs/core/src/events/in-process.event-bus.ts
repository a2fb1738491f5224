import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TeroError } from '@tero/sdk';
import { checkEvent, type DomainEvent, type EventBus, type EventHandler, type PublishedEvent, ALL_EVENTS } from './event-bus';

/**
 * Delivery inside one process: the embedded default, and the local half of `RedisEventBus`. Each handler
 * runs on its own later turn of the event loop, so a publisher on a hot path (a call's turn) never waits
 * for a slow subscriber, and one throwing subscriber cannot keep the others from their event.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly inFlight = new Set<Promise<void>>();
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
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Validates, copies and completes an event for publishing; throws on a bad event or a closed bus. */
  stamp<P>(event: DomainEvent<P>): PublishedEvent<P> {
    if (this.closed) throw new TeroError('events.closed', 'the event bus is closed');
    checkEvent(event);
    return Object.freeze({ ...event, id: event.id ?? randomUUID(), at: event.at ?? new Date().toISOString() });
  }

  /** Hands an already-stamped event to this process's subscribers. */
  deliver(event: PublishedEvent): void {
    if (this.closed) return;
    const handlers = [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get(ALL_EVENTS) ?? [])];
    for (const handler of handlers) {
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => handler(event))
        .catch((err: unknown) => this.logger.error({ err, eventType: event.type, eventId: event.id }, 'event handler failed'))
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }
}
