import { InProcessEventBus, type PublishedEvent } from '@tero/core';
import { CALL_EVENTS } from '@tero/telephony';
import pino from 'pino';
import { type DayFigures, emptyDay } from '../rollups/day-figures';
import { SUMMARY_CHANGED } from '../rollups/rollup-jobs';
import { TODAY_CACHE_TTL_MS, TodayCache } from './today-cache';

const TODAY = '2026-03-10';
const PARIS = 'Europe/Paris';
const figures = (calls: number): DayFigures => ({ ...emptyDay(TODAY), calls });

describe('TodayCache', () => {
  let bus: InProcessEventBus;
  let clock: number;
  let cache: TodayCache;
  let off: () => void;
  let seen: PublishedEvent[];

  beforeEach(() => {
    bus = new InProcessEventBus(pino({ level: 'silent' }));
    clock = 1_000;
    cache = new TodayCache(TODAY_CACHE_TTL_MS, () => clock);
    off = cache.listen(bus);
    seen = [];
  });
  afterEach(async () => {
    off();
    await bus.close();
  });

  /** Publishes an event and waits until the bus delivered it (to the cache, subscribed first, too). */
  async function publish(type: string, clientId: string): Promise<void> {
    const delivered = new Promise<void>((resolve) => {
      const stop = bus.subscribe(type, (event) => {
        seen.push(event);
        stop();
        resolve();
      });
    });
    await bus.publish({ type, brandId: 'brand-1', clientId, payload: { callId: 'call-1' } });
    await delivered;
  }

  it.each([CALL_EVENTS.started, CALL_EVENTS.ended, SUMMARY_CHANGED])('keeps a client’s today until %s of that client, and another client’s through it', async (type) => {
    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    cache.store('client-b', cache.ticket('client-b'), figures(7), PARIS);
    expect(cache.read('client-a', TODAY, PARIS)?.calls).toBe(3);

    await publish(type, 'client-a');
    expect(seen.map((e) => e.type)).toEqual([type]);
    expect(cache.read('client-a', TODAY, PARIS)).toBeUndefined();
    expect(cache.read('client-b', TODAY, PARIS)?.calls).toBe(7);
  });

  it('does not keep figures read before an event that arrived while they were read', async () => {
    const ticket = cache.ticket('client-a');
    await publish(CALL_EVENTS.ended, 'client-a');
    cache.store('client-a', ticket, figures(3), PARIS);
    expect(cache.read('client-a', TODAY, PARIS)).toBeUndefined();

    // Read again after the event: kept.
    cache.store('client-a', cache.ticket('client-a'), figures(4), PARIS);
    expect(cache.read('client-a', TODAY, PARIS)?.calls).toBe(4);
  });

  it('reads again once the time limit passed, on another date, or in another time zone', () => {
    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    clock += TODAY_CACHE_TTL_MS - 1;
    expect(cache.read('client-a', TODAY, PARIS)?.calls).toBe(3);
    expect(cache.read('client-a', TODAY, 'America/New_York')).toBeUndefined();

    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    expect(cache.read('client-a', '2026-03-11', PARIS)).toBeUndefined();

    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    clock += TODAY_CACHE_TTL_MS;
    expect(cache.read('client-a', TODAY, PARIS)).toBeUndefined();
  });

  it('serves nothing while it does not hear the events', async () => {
    off();
    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    expect(cache.read('client-a', TODAY, PARIS)).toBeUndefined();

    const again = cache.listen(bus);
    cache.store('client-a', cache.ticket('client-a'), figures(3), PARIS);
    expect(cache.read('client-a', TODAY, PARIS)?.calls).toBe(3);
    again();
    expect(cache.read('client-a', TODAY, PARIS)).toBeUndefined();
  });
});
