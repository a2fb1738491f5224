import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { requireRedis } from '../testing/services';
import { ALL_EVENTS } from './event-bus';
import { createEventBus } from './event-bus.factory';
import { capturingLogger, collector } from './event-bus.testing';
import { InProcessEventBus } from './in-process.event-bus';
import { RedisEventBus } from './redis.event-bus';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });
const event = (type: string, payload: unknown = {}) => ({ type, brandId: 'brand-1', clientId: null, payload });

describe('createEventBus', () => {
  it('delivers in-process when no Redis URL is configured', async () => {
    const bus = await createEventBus({ prefix: 'tero', logger: silent });
    expect(bus).toBeInstanceOf(InProcessEventBus);
    await bus.close();
  });

  it('stops with a clear error, without the password, when the configured Redis is not there', async () => {
    const failure = createEventBus({ redisUrl: 'redis://:hunter2@127.0.0.1:1', prefix: 'tero', logger: silent });
    await expect(failure).rejects.toMatchObject({ code: 'events.redis_unreachable' });
    await expect(failure).rejects.toThrow(/^event bus: Redis not reachable at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  });
});

(requireRedis(REDIS_URL) ? describe : describe.skip)('RedisEventBus', () => {
  // Pub/sub stores no keys: a prefix per run is all the isolation and clean-up needed.
  const prefix = `tero-test-${randomUUID().slice(0, 8)}`;
  const opened: { close(): Promise<unknown> }[] = [];
  const connect = async (logger = silent, busPrefix = prefix) => {
    const bus = await createEventBus({ redisUrl: REDIS_URL, prefix: busPrefix, logger });
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((closable) => closable.close()));
  });

  it('uses Redis when a Redis URL is configured', async () => {
    expect(await connect()).toBeInstanceOf(RedisEventBus);
  });

  it('delivers an event published on one replica exactly once on each replica', async () => {
    const a = await connect();
    const b = await connect();
    const onA = collector();
    const onB = collector();
    a.subscribe(ALL_EVENTS, onA.handler);
    b.subscribe(ALL_EVENTS, onB.handler);

    const first = await a.publish(event('call.started', { callId: 'c-1' }));
    await onB.until((e) => e.length === 1);
    // Redis delivers a channel's messages in order: once A has heard B's marker, A's own echo of the first
    // event has been read and skipped; likewise for B with A's second marker.
    const markerFromB = await b.publish(event('test.marker', { from: 'b' }));
    await onA.until((e) => e.some((x) => x.id === markerFromB.id));
    const markerFromA = await a.publish(event('test.marker', { from: 'a' }));
    await onB.until((e) => e.some((x) => x.id === markerFromA.id));

    expect(onA.events.map((e) => e.id)).toEqual([first.id, markerFromB.id, markerFromA.id]);
    expect(onB.events.map((e) => e.id)).toEqual([first.id, markerFromB.id, markerFromA.id]);
    expect(onB.events[0]).toEqual(first);
  });

  it('routes by type on the receiving replica', async () => {
    const a = await connect();
    const b = await connect();
    const calls = collector();
    const bookings = collector();
    b.subscribe('call.started', calls.handler);
    b.subscribe('booking.created', bookings.handler);
    await a.publish(event('call.started'));
    await a.publish(event('booking.created'));
    await bookings.until((e) => e.length === 1);
    expect(calls.types()).toEqual(['call.started']);
    expect(bookings.types()).toEqual(['booking.created']);
  });

  it('does not reach a replica of another instance (another prefix)', async () => {
    const a = await connect();
    const other = await connect(silent, `${prefix}-other`);
    const otherPeer = await connect(silent, `${prefix}-other`);
    const onOther = collector();
    other.subscribe(ALL_EVENTS, onOther.handler);

    await a.publish(event('call.started'));
    // Redis handles the PUBLISH commands in order: had the first reached `other`, it would come before this.
    const marker = await otherPeer.publish(event('test.marker'));
    await onOther.until((e) => e.length >= 1);
    expect(onOther.events.map((e) => e.id)).toEqual([marker.id]);
  });

  it('sends the events of one turn of the event loop as one message, delivered in order on the other replica', async () => {
    const a = await connect();
    const b = await connect();
    const onB = collector();
    b.subscribe(ALL_EVENTS, onB.handler);
    const raw = new Redis(REDIS_URL);
    opened.push({ close: () => raw.quit() });
    const messages: string[] = [];
    let markerSeen!: () => void;
    const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
    raw.on('message', (_channel: string, message: string) => {
      messages.push(message);
      if (message.startsWith((b as RedisEventBus).instanceId)) markerSeen();
    });
    await raw.subscribe(`${prefix}:events`);

    const published = await Promise.all([1, 2, 3].map((n) => a.publish(event('call.turn', { n }))));
    await onB.until((e) => e.length === 3);
    expect(onB.events).toEqual(published);
    // Redis keeps the channel's order: once B's marker is here, A's message came before it.
    await b.publish(event('test.marker'));
    await markerArrived;
    expect(messages).toHaveLength(2);
    expect(messages[0]!.startsWith(`${(a as RedisEventBus).instanceId} [`)).toBe(true);
  });

  it('publishes on a connection it is given, and leaves that connection open when it closes', async () => {
    const shared = new Redis(REDIS_URL);
    opened.push({ close: () => shared.quit() });
    await shared.ping();
    const a = await createEventBus({ redisUrl: REDIS_URL, prefix, logger: silent, publisher: shared });
    const b = await connect();
    const onB = collector();
    b.subscribe(ALL_EVENTS, onB.handler);
    const [published] = await Promise.all([a.publish(event('call.started')), shared.set(`${prefix}:probe`, '1', 'EX', 5)]);
    await onB.until((e) => e.length === 1);
    expect(onB.events).toEqual([published]);
    await a.close();
    expect(await shared.get(`${prefix}:probe`)).toBe('1');
  });

  it('ignores, with a warning, a malformed message on the channel', async () => {
    const { logger, lines } = capturingLogger();
    const b = await connect(logger);
    const a = await connect();
    const onB = collector();
    b.subscribe(ALL_EVENTS, onB.handler);

    const raw = new Redis(REDIS_URL);
    opened.push({ close: () => raw.quit() });
    await raw.publish(`${prefix}:events`, 'not json');
    await raw.publish(`${prefix}:events`, JSON.stringify({ origin: 'x', event: { type: 'call.started' } }));
    const valid = await a.publish(event('call.ended'));
    await onB.until((e) => e.length === 1);

    expect(onB.events.map((e) => e.id)).toEqual([valid.id]);
    expect(lines.filter((line) => line.msg === 'event bus: ignored a malformed message')).toHaveLength(2);
  });
});
