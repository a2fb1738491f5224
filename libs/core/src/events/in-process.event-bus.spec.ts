import { ALL_EVENTS } from './event-bus';
import { collector, capturingLogger } from './event-bus.testing';
import { InProcessEventBus } from './in-process.event-bus';

const event = (type: string, payload: unknown = {}) => ({ type, brandId: 'brand-1', clientId: 'client-1', payload });

describe('InProcessEventBus', () => {
  let bus: InProcessEventBus;
  let lines: Record<string, unknown>[];

  beforeEach(() => {
    const captured = capturingLogger();
    bus = new InProcessEventBus(captured.logger);
    lines = captured.lines;
  });
  afterEach(() => bus.close());

  it('delivers an event to the subscribers of its type and of "*", with an id and a time', async () => {
    const calls = collector();
    const all = collector();
    const bookings = collector();
    bus.subscribe('call.started', calls.handler);
    bus.subscribe(ALL_EVENTS, all.handler);
    bus.subscribe('booking.created', bookings.handler);

    const published = await bus.publish(event('call.started', { callId: 'c-1' }));
    await bus.publish(event('booking.created'));
    await Promise.all([all.until((e) => e.length === 2), bookings.until((e) => e.length === 1)]);

    expect(calls.events).toEqual([published]);
    expect(published).toMatchObject({ type: 'call.started', brandId: 'brand-1', clientId: 'client-1', payload: { callId: 'c-1' } });
    expect(published.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(published.at).toISOString()).toBe(published.at);
    expect(all.types()).toEqual(['call.started', 'booking.created']);
    expect(bookings.types()).toEqual(['booking.created']);
  });

  it('keeps the id and time a publisher gives', async () => {
    const published = await bus.publish({ ...event('call.ended'), id: 'evt-1', at: '2026-01-01T00:00:00.000Z' });
    expect(published).toMatchObject({ id: 'evt-1', at: '2026-01-01T00:00:00.000Z' });
  });

  it('runs handlers after publish returns, not inside it', async () => {
    const seen = collector();
    bus.subscribe('call.started', seen.handler);
    const publishing = bus.publish(event('call.started'));
    expect(seen.events).toHaveLength(0);
    await publishing;
    await seen.until((e) => e.length === 1);
  });

  it('logs a throwing or rejecting handler, and the other handlers still get the event', async () => {
    bus.subscribe('call.started', () => {
      throw new Error('handler bug');
    });
    bus.subscribe('call.started', async () => {
      throw new Error('async handler bug');
    });
    const healthy = collector();
    bus.subscribe('call.started', healthy.handler);
    const published = await bus.publish(event('call.started'));
    await healthy.until((e) => e.length === 1);
    // Handlers run in subscription order, so the failing ones have been logged by now.
    await new Promise((resolve) => setImmediate(resolve));

    const errors = lines.filter((line) => line.msg === 'event handler failed');
    expect(errors.map((line) => (line.err as { message: string }).message).sort()).toEqual(['async handler bug', 'handler bug']);
    expect(errors[0]).toMatchObject({ eventType: 'call.started', eventId: published.id });
  });

  it('stops delivering to an unsubscribed handler', async () => {
    const gone = collector();
    const stays = collector();
    const unsubscribe = bus.subscribe('call.started', gone.handler);
    bus.subscribe('call.started', stays.handler);
    await bus.publish(event('call.started', { n: 1 }));
    await stays.until((e) => e.length === 1);
    unsubscribe();
    await bus.publish(event('call.started', { n: 2 }));
    await stays.until((e) => e.length === 2);
    expect(gone.events.map((e) => e.payload)).toEqual([{ n: 1 }]);
  });

  it('rejects an event without a type or brand, and publishing after close', async () => {
    await expect(bus.publish({ ...event(''), type: '' })).rejects.toMatchObject({ code: 'events.invalid' });
    await expect(bus.publish({ ...event('x'), brandId: '' })).rejects.toMatchObject({ code: 'events.invalid' });
    await expect(bus.publish({ ...event('*') })).rejects.toMatchObject({ code: 'events.invalid' });
    await bus.close();
    await expect(bus.publish(event('call.started'))).rejects.toMatchObject({ code: 'events.closed' });
  });

  it('close() waits for the handlers under way', async () => {
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    bus.subscribe('report.ready', async () => {
      started();
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
    });
    await bus.publish(event('report.ready'));
    await running;
    const closing = bus.close();
    release();
    await closing;
    expect(finished).toBe(true);
  });
});
