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
}

/** What crosses Redis: the event and the replica that published it. */
interface Envelope {
  origin: string;
  event: PublishedEvent;
}

/**
 * Fan-out across replicas through Redis pub/sub: a publish is delivered to this process's subscribers at
 * once and sent on the channel; every other replica delivers what it receives to its own subscribers. A
 * replica skips its own messages (they carry its instance id), so none is delivered twice. Pub/sub is
 * at-most-once: a replica that is disconnected misses events, which suits live updates.
 */
export class RedisEventBus implements EventBus {
  /** Identifies this replica's messages on the channel. */
  readonly instanceId = randomUUID();
  private readonly local: InProcessEventBus;
  private readonly channel: string;
  private closed = false;

  private constructor(
    /** Publishes; a subscribed ioredis connection cannot send other commands. */
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.local = new InProcessEventBus(logger);
    this.channel = `${prefix}:events`;
  }

  /** Resolves once subscribed, so that nothing published afterwards by another replica is missed. */
  static async connect(options: RedisEventBusOptions): Promise<RedisEventBus> {
    const pub = new Redis(options.redisUrl, { lazyConnect: true });
    const sub = new Redis(options.redisUrl, { lazyConnect: true });
    for (const [role, connection] of [['pub', pub], ['sub', sub]] as const) {
      connection.on('error', (err) => options.logger.error({ err, role }, 'event bus: Redis connection error'));
    }
    const bus = new RedisEventBus(pub, sub, options.prefix, options.logger);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      sub.on('message', (channel: string, message: string) => {
        if (channel === bus.channel) bus.receive(message);
      });
      await sub.subscribe(bus.channel);
    } catch (cause) {
      pub.disconnect();
      sub.disconnect();
      throw new TeroError('events.redis_unreachable', `event bus: Redis not reachable at ${redactUrl(options.redisUrl)}`, {}, { cause });
    }
    return bus;
  }

  async publish<P>(event: DomainEvent<P>): Promise<PublishedEvent<P>> {
    const published = this.local.stamp(event);
    this.local.deliver(published);
    const envelope: Envelope = { origin: this.instanceId, event: published };
    try {
      await this.pub.publish(this.channel, JSON.stringify(envelope));
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
    await this.sub.unsubscribe(this.channel).catch(() => undefined);
    await Promise.all([this.sub.quit(), this.pub.quit()]);
    await this.local.close();
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
      if (typeof envelope?.origin !== 'string') throw new Error('no origin');
      checkEvent(envelope.event);
      if (typeof envelope.event.id !== 'string' || typeof envelope.event.at !== 'string') throw new Error('no id or time');
    } catch (err) {
      this.logger.warn({ err, channel: this.channel }, 'event bus: ignored a malformed message');
      return;
    }
    if (envelope.origin === this.instanceId) return;
    this.local.deliver(Object.freeze(envelope.event));
  }
}
