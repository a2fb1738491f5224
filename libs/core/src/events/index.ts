export * from './event-bus';
export { createEventBus, type CreateEventBusOptions } from './event-bus.factory';
export { InProcessEventBus } from './in-process.event-bus';
// Types only: the class (and ioredis with it) loads when createEventBus is given a Redis URL.
export type { RedisEventBus, RedisEventBusOptions } from './redis.event-bus';
