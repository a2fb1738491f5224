import type { Logger } from 'pino';
import type { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process.event-bus';
import { RedisEventBus } from './redis.event-bus';

export interface CreateEventBusOptions {
  /** `REDIS_URL`: fan-out across replicas when set, this process only when absent (the embedded default). */
  redisUrl?: string;
  /** `REDIS_PREFIX`. */
  prefix: string;
  logger: Logger;
}

/** The event bus the instance configuration asks for; with Redis it is subscribed when this resolves. */
export async function createEventBus(options: CreateEventBusOptions): Promise<EventBus> {
  const logger = options.logger.child({ component: 'events' });
  if (!options.redisUrl) return new InProcessEventBus(logger);
  return RedisEventBus.connect({ redisUrl: options.redisUrl, prefix: options.prefix, logger });
}
