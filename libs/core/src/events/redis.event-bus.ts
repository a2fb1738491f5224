import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { TeroError } from '@tero/sdk';
import { redactUrl } from '../jobs/redact-url';
import { checkEvent, type DomainEvent, type EventBus, type EventHandler, type PublishedEvent } from './event-bus';
import { InProcessEventBus } from './in-process.event-bus';

export interface RedisEventBusOptions {
  /** `REDIS_URL`. */
  redisUrl: string;
  /** `REDIS_PREFIX`: the channel is `<prefix>:events`, so instances sharing a Redis do not hear each other. */
  prefix: string;
  logger: Logger;
  /**
   * A connection of the caller's to publish on (the bus does not close it): the other commands the
   * process issues on it within the same turn of the event loop then leave in the same socket write as
   * that turn's events. Without it the bus opens its own.
   */
  publisher?: Redis;
}

/** Events per message at most, so that one message stays a modest string under a burst. */
const MAX_EVENTS_PER_MESSAGE = 256;

/** Events waiting for this turn's message, and how each publisher learns its fate. */
interface Outgoing {
  events: PublishedEvent[];
  settle: ((error: unknown) => void)[];
  /** The publishing socket, corked until the message is written, when it was ready. */
  corked: { uncork(): void } | null;
}

export class RedisEventBus implements EventBus {
  /** Identifies this replica's messages on the channel. */
  readonly instanceId = randomUUID();
  private readonly local: InProcessEventBus;
  private readonly channel: string;
  private closed = false;
  private outgoing: Outgoing | null = null;

  private constructor(
    /** Publishes; a subscribed ioredis connection cannot send other commands. */
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly logger: Logger,
    /** Whether `pub` is the bus's own connection (closed with it). */
    private readonly ownsPub: boolean,
  ) {
    this.local = new InProcessEventBus(logger);
    this.channel = `${prefix}:events`;
  }

  /** Resolves once subscribed, so that nothing published afterwards by another replica is missed. */
  static async connect(options: RedisEventBusOptions): Promise<RedisEventBus> {
    const ownsPub = !options.publisher;
    const pub = options.publisher ?? new Redis(options.redisUrl, { lazyConnect: true });
    const sub = new Redis(options.redisUrl, { lazyConnect: true });
    for (const [role, connection] of ownsPub ? ([['pub', pub], ['sub', sub]] as const) : ([['sub', sub]] as const)) {
      connection.on('error', (err) => options.logger.error({ err, role }, 'event bus: Redis connection error'));
    }
    const bus = new RedisEventBus(pub, sub, options.prefix, options.logger, ownsPub);
    try {
      await Promise.all([ownsPub ? pub.connect() : undefined, sub.connect()]);
      sub.on('message', (channel: string, message: string) => {
        if (channel === bus.channel) bus.receive(message);
      });
      await sub.subscribe(bus.channel);
    } catch (cause) {
      if (ownsPub) pub.disconnect();
      sub.disconnect();
      throw new TeroError('events.redis_unreachable', `event bus: Redis not reachable at ${redactUrl(options.redisUrl)}`, {}, { cause });
    }
    return bus;
  }

  async publish<P>(event: DomainEvent<P>): Promise<PublishedEvent<P>> {
    const published = this.local.stamp(event);
    this.local.deliver(published);
    try {
      await this.send(published);
    } catch (cause) {
      throw new TeroError('events.publish_failed', `event "${published.type}" reached this replica only`, { type: published.type }, { cause, retryable: true });
    }
    return published;
  }

  subscribe(type: string, handler: EventHandler): () => void {
    return this.local.subscribe(type, handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // What this turn published still goes out, ahead of QUIT.
    this.flush();
    await this.sub.unsubscribe(this.channel).catch(() => undefined);
    await Promise.all([this.sub.quit(), this.ownsPub ? this.pub.quit() : undefined]);
    await this.local.close();
  }

  /**
   * Queues an event for this turn's message; resolves once Redis took the message, rejects if it did not.
   * The publishing socket stays corked until the message is written (in the loop's check phase), so that
   * what else this turn sends on it leaves in one write with the events.
   */
  private send(event: PublishedEvent): Promise<void> {
    let outgoing = this.outgoing;
    if (!outgoing) {
      const stream = this.pub.stream;
      // While connecting, ioredis queues commands itself and writes them later: nothing to gather then.
      const corked = this.pub.status === 'ready' && stream && !stream.destroyed ? stream : null;
      corked?.cork();
      outgoing = this.outgoing = { events: [], settle: [], corked };
      setImmediate(() => this.flush());
    }
    outgoing.events.push(event);
    return new Promise<void>((resolve, reject) => outgoing.settle.push((error) => (error === undefined ? resolve() : reject(error))));
  }

  private flush(): void {
    const outgoing = this.outgoing;
    this.outgoing = null;
    if (!outgoing) return;
    for (let from = 0; from < outgoing.events.length; from += MAX_EVENTS_PER_MESSAGE) {
      const events = outgoing.events.slice(from, from + MAX_EVENTS_PER_MESSAGE);
      const settle = outgoing.settle.slice(from, from + MAX_EVENTS_PER_MESSAGE);
      this.pub.publish(this.channel, `${this.instanceId} ${JSON.stringify(events)}`).then(
        () => settle.forEach((done) => done(undefined)),
        (error: unknown) => settle.forEach((done) => done(error ?? new Error('publish failed'))),
      );
    }
    outgoing.corked?.uncork();
  }

  private receive(message: string): void {
    const space = message.indexOf(' ');
    // Our own message: its events were delivered here when they were published.
    if (space === this.instanceId.length && message.startsWith(this.instanceId)) return;
    let events: unknown[];
    try {
      if (message.startsWith('{')) {
        const envelope = JSON.parse(message) as { origin?: unknown; event?: unknown };
        if (typeof envelope?.origin !== 'string') throw new Error('no origin');
        if (envelope.origin === this.instanceId) return;
        events = [envelope.event];
      } else {
        if (space <= 0) throw new Error('no origin');
        const parsed: unknown = JSON.parse(message.slice(space + 1));
        if (!Array.isArray(parsed)) throw new Error('not a list of events');
        events = parsed;
      }
    } catch (err) {
      this.logger.warn({ err, channel: this.channel }, 'event bus: ignored a malformed message');
      return;
    }
    for (const event of events) {
      try {
        checkEvent(event);
        if (typeof event.id !== 'string' || typeof event.at !== 'string') throw new Error('no id or time');
      } catch (err) {
        this.logger.warn({ err, channel: this.channel }, 'event bus: ignored a malformed message');
        continue;
      }
      this.local.deliver(Object.freeze(event as PublishedEvent));
    }
  }
}
