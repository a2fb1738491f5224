export * from './event-bus';
export { createEventBus, type CreateEventBusOptions } from './event-bus.factory';
export { InProcessEventBus } from './in-process.event-bus';
export { RedisEventBus, type RedisEventBusOptions } from './redis.event-bus';
