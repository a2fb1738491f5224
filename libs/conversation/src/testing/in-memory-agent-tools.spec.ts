import { join, resolve } from 'node:path';
import { createI18n, formatLocal, parseLocal } from '@tero/core';
import type { AgentKnowledge } from '../engine.port';
import { InMemoryLedger } from './in-memory-agent-tools';
import { SAMPLE_PACK } from './sample-pack';
import { createPackHarness } from './scenario-runner';

const repo = resolve(__dirname, '../../../..');
const zone = 'America/New_York';
const at = (local: string) => parseLocal(local, zone);
const locals = (offers: { start: Date }[]) => offers.map((o) => formatLocal(o.start, zone).slice(11));

describe('in-memory ledger behind AgentTools', () => {
  let knowledge: AgentKnowledge;
  beforeAll(async () => {
    knowledge = createPackHarness(SAMPLE_PACK, await createI18n(join(repo, 'locales'))).knowledge('en');
  });
  const ledger = (capacity = 1) => new InMemoryLedger({ knowledge, capacity, now: at('2026-03-09T08:00') });

  it('offers starts inside opening hours, a quarter hour apart, never past a closing time or in the past', async () => {
    const l = ledger();
    const tools = l.toolsFor('a');
    const offers = await tools.checkAvailability({ serviceId: 'massage', from: at('2026-03-13T00:00'), to: at('2026-03-14T00:00'), limit: 50 });
    expect(locals(offers)).toEqual(['09:00', '09:15', '09:30', '09:45', '10:00', '10:15', '10:30', '10:45', '11:00', '11:15', '11:30', '11:45', '12:00', '12:15', '12:30']);
    l.setNow(at('2026-03-13T11:50'));
    expect(locals(await tools.checkAvailability({ serviceId: 'massage', from: at('2026-03-13T00:00'), to: at('2026-03-14T00:00') }))).toEqual(['12:00', '12:15', '12:30']);
    expect(await tools.checkAvailability({ serviceId: 'massage', from: at('2026-03-14T00:00'), to: at('2026-03-16T00:00') })).toEqual([]);
    expect(await tools.checkAvailability({ serviceId: 'home-visit', from: at('2026-03-13T00:00'), to: at('2026-03-14T00:00') })).toEqual([]);
  });

  it('holds a slot for one call, books it once, and keeps it from every other call', async () => {
    const l = ledger();
    const a = l.toolsFor('a');
    const b = l.toolsFor('b');
    const hold = await a.holdSlot({ serviceId: 'massage', start: at('2026-03-13T09:00') });
    expect(hold.ok).toBe(true);
    expect(await b.holdSlot({ serviceId: 'massage', start: at('2026-03-13T09:15') })).toEqual({ ok: false, reason: 'taken' });
    if (!hold.ok) return;
    const first = await a.book({ holdId: hold.holdId, callerName: 'Ann', callerPhone: '+15550001111' });
    const again = await a.book({ holdId: hold.holdId, callerName: 'Ann', callerPhone: '+15550001111' });
    expect(first.ok && again.ok && first.bookingId === again.bookingId).toBe(true);
    expect(l.bookings).toHaveLength(1);
    expect(await b.book({ holdId: hold.holdId, callerName: 'Bob', callerPhone: '+15550002222' })).toEqual({ ok: false, reason: 'not_found' });
    expect(a.effects().booked).toHaveLength(1);
    expect(b.effects().booked).toHaveLength(0);
  });

  it('lets a hold expire, and keeps the buffer after a booking free', async () => {
    const l = ledger();
    const a = l.toolsFor('a');
    const hold = await a.holdSlot({ serviceId: 'assessment', start: at('2026-03-13T09:00') });
    l.setNow(at('2026-03-09T08:06'));
    if (!hold.ok) throw new Error('no hold');
    expect(await a.book({ holdId: hold.holdId, callerName: 'Ann', callerPhone: '+15550001111' })).toEqual({ ok: false, reason: 'hold_expired' });
    const b = l.toolsFor('b');
    const again = await b.holdSlot({ serviceId: 'assessment', start: at('2026-03-13T09:00') });
    if (!again.ok) throw new Error('no hold');
    await b.book({ holdId: again.holdId, callerName: 'Bob', callerPhone: '+15550002222' });
    // 60 minutes and a 15-minute buffer: the next massage starts at 10:15.
    expect(locals(await a.checkAvailability({ serviceId: 'massage', from: at('2026-03-13T09:00'), to: at('2026-03-13T10:30') }))).toEqual(['10:15']);
  });

  it('allows as many bookings at once as the capacity', async () => {
    const l = ledger(2);
    for (const call of ['a', 'b']) {
      const hold = await l.toolsFor(call).holdSlot({ serviceId: 'massage', start: at('2026-03-13T09:00') });
      if (!hold.ok) throw new Error(`no hold for ${call}`);
      await l.toolsFor(call).book({ holdId: hold.holdId, callerName: call, callerPhone: '+15550001111' });
    }
    expect(await l.toolsFor('c').holdSlot({ serviceId: 'massage', start: at('2026-03-13T09:00') })).toEqual({ ok: false, reason: 'taken' });
    expect((await l.toolsFor('c').holdSlot({ serviceId: 'massage', start: at('2026-03-13T09:30') })).ok).toBe(true);
  });

  it('refuses holds outside hours, in the past, or for a service not bookable by phone', async () => {
    const tools = ledger().toolsFor('a');
    expect(await tools.holdSlot({ serviceId: 'massage', start: at('2026-03-14T10:00') })).toEqual({ ok: false, reason: 'closed' });
    expect(await tools.holdSlot({ serviceId: 'massage', start: at('2026-03-13T12:45') })).toEqual({ ok: false, reason: 'closed' });
    expect(await tools.holdSlot({ serviceId: 'massage', start: at('2026-03-02T10:00') })).toEqual({ ok: false, reason: 'in_past' });
    expect(await tools.holdSlot({ serviceId: 'home-visit', start: at('2026-03-13T10:00') })).toEqual({ ok: false, reason: 'unknown_service' });
  });

  it('finds a caller’s bookings by number (narrowed by name), moves and cancels them', async () => {
    const l = ledger();
    const seeded = l.seedBooking({ serviceId: 'massage', start: at('2026-03-10T09:00'), callerName: 'Ana Ruiz', callerPhone: '+15550001111' });
    l.seedBooking({ serviceId: 'assessment', start: at('2026-03-11T09:00'), callerName: 'Luis Ruiz', callerPhone: '+1 555 000 1111' });
    const tools = l.toolsFor('a');
    expect((await tools.findBookings({ callerPhone: '5550001111' })).map((b) => b.serviceId)).toEqual(['massage', 'assessment']);
    expect((await tools.findBookings({ callerPhone: '+15550001111', callerName: 'luis' })).map((b) => b.callerName)).toEqual(['Luis Ruiz']);
    expect(await tools.findBookings({ callerPhone: '+15559999999' })).toEqual([]);
    const moved = await tools.reschedule({ bookingId: seeded.id, start: at('2026-03-10T14:00') });
    expect(moved.ok && formatLocal(moved.booking.start, zone)).toBe('2026-03-10T14:00');
    expect(await tools.reschedule({ bookingId: seeded.id, start: at('2026-03-11T09:15') })).toEqual({ ok: false, reason: 'taken' });
    expect((await tools.cancel({ bookingId: seeded.id })).ok).toBe(true);
    expect(await tools.cancel({ bookingId: seeded.id })).toEqual({ ok: false, reason: 'not_found' });
    expect(tools.effects()).toMatchObject({ rescheduled: [{ booking: { id: seeded.id } }], cancelled: [{ id: seeded.id }] });
  });

  it('keeps one message per call, updated by a second one', async () => {
    const l = ledger();
    const tools = l.toolsFor('a');
    const first = await tools.takeMessage({ callbackNumber: '+15550001111', text: 'Call me' });
    const second = await tools.takeMessage({ callerName: 'Ann', callbackNumber: '+15550002222', text: 'Call me', urgent: true });
    expect(second.messageId).toBe(first.messageId);
    expect(l.messages).toEqual([{ id: first.messageId, callSid: 'a', callerName: 'Ann', callbackNumber: '+15550002222', text: 'Call me', urgent: true }]);
  });
});
