import { TeroError } from '@tero/sdk';

/**
 * Something that happened in a tenant, told to whoever listens: the live dashboard (WebSocket gateway),
 * other bounded contexts (a domain lib reacts to another's events, never to its internals), analytics.
 * Events are facts for live updates and loose coupling, not a durable log: a subscriber that is down
 * misses them. Work that must happen goes through the job queue.
 */
export interface DomainEvent<P = unknown> {
  /** Dotted, past tense, owned by one domain: `call.started`, `booking.created`. */
  type: string;
  brandId: string;
  /** `null` for brand-level events. */
  clientId: string | null;
  /** JSON-serialisable: with Redis it crosses processes as JSON. */
  payload: P;
  /** Set by `publish` when absent. */
  id?: string;
  /** ISO-8601 instant, set by `publish` when absent. */
  at?: string;
}

/** An event as subscribers see it: id and time always set. */
export type PublishedEvent<P = unknown> = DomainEvent<P> & { id: string; at: string };

export type EventHandler = (event: PublishedEvent) => void | Promise<void>;

/** Subscribes to every event type. */
export const ALL_EVENTS = '*';

export interface EventBus {
  /**
   * Delivers the event to every subscriber of its type and of `*`, in this process and (with Redis) in the
   * other replicas. Returns once it is handed over, without waiting for the handlers, which run later and
   * whose failures are logged, never thrown to the publisher.
   */
  publish<P>(event: DomainEvent<P>): Promise<PublishedEvent<P>>;
  /** Returns the function that unsubscribes. */
  subscribe(type: string, handler: EventHandler): () => void;
  /** Stops delivery, waits for the handlers under way, releases connections. */
  close(): Promise<void>;
}

export function invalidEvent(reason: string): TeroError {
  return new TeroError('events.invalid', `invalid domain event: ${reason}`, { reason }, { status: 400 });
}

/** Checks the fields every subscriber relies on (also on what arrives from other replicas). */
export function checkEvent(event: unknown): asserts event is DomainEvent {
  const e = event as Partial<DomainEvent> | null;
  if (typeof e !== 'object' || e === null) throw invalidEvent('not an object');
  if (typeof e.type !== 'string' || e.type === '' || e.type === ALL_EVENTS) throw invalidEvent('type must be a non-empty string other than "*"');
  if (typeof e.brandId !== 'string' || e.brandId === '') throw invalidEvent('brandId must be a non-empty string');
  if (e.clientId !== null && (typeof e.clientId !== 'string' || e.clientId === '')) throw invalidEvent('clientId must be a non-empty string or null');
  if (e.id !== undefined && typeof e.id !== 'string') throw invalidEvent('id must be a string');
  if (e.at !== undefined && typeof e.at !== 'string') throw invalidEvent('at must be a string');
}
