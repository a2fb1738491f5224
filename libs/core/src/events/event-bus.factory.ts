import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process.event-bus';

export interface CreateEventBusOptions {
  /** `REDIS_URL`: fan-out across replicas when set, this process only when absent (the embedded default). */
  redisUrl?: string;
  /** `REDIS_PREFIX`. */
  prefix: string;
  logger: Logger;
  /** With Redis: a connection of the caller's to publish on (see `RedisEventBusOptions.publisher`). */
  publisher?: Redis;
}

/**
 * The event bus the instance configuration asks for; with Redis it is subscribed when this resolves.
 * The Redis bus (and ioredis, ~20 MB of resident memory) is loaded only when Redis is configured.
 */
export async function createEventBus(options: CreateEventBusOptions): Promise<EventBus> {
  const logger = options.logger.child({ component: 'events' });
  if (!options.redisUrl) return new InProcessEventBus(logger);
  const { RedisEventBus } = await import('./redis.event-bus');
  return RedisEventBus.connect({ redisUrl: options.redisUrl, prefix: options.prefix, logger, publisher: options.publisher });
}
