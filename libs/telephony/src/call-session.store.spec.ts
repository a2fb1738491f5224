import { type CallSession, MemoryCallSessionStore, betterOutcome, endedSession } from './call-session.store';
import { newTransfer } from './transfers/transfer-state';

const session = (callSid: string, over: Partial<CallSession> = {}): CallSession => ({
  callSid,
  callId: `id-${callSid}`,
  brandId: 'b',
  clientId: 'c',
  accountSid: 'a',
  route: 'open',
  mode: 'ai',
  locale: 'en',
  from: '+15550001111',
  to: '+15550002222',
  callerName: 'Maria',
  startedAt: new Date(0).toISOString(),
  engineId: 'builtin',
  engineState: {},
  seq: 3,
  silences: 0,
  callerTurns: 1,
  outcome: null,
  bookingId: null,
  messageId: null,
  held: false,
  transferTo: '+15550109999',
  lastAction: 'transfer',
  ended: false,
  opening: [],
  ...over,
});

describe('MemoryCallSessionStore with a transfer', () => {
  it('hands out copies of the transfer and the caller\'s recent words, which hooks change in place', async () => {
    const store = new MemoryCallSessionStore(60);
    const written = session('s1', { transfer: newTransfer('+15550109999', 'human', 'Maria is calling.'), recent: ['my tooth hurts'] });
    await store.set(written);
    written.transfer!.step = 'offered';
    written.recent!.push('changed after set');
    const read = (await store.get('s1'))!;
    read.transfer!.notified = true;
    read.recent!.push('changed by a hook that then failed');
    expect(await store.get('s1')).toMatchObject({ transfer: { step: 'dialing', notified: false, whisper: 'Maria is calling.' }, recent: ['my tooth hurts'] });
  });

  it('keeps of a finished call only its call, tenant and language: its late hooks need no more', async () => {
    const store = new MemoryCallSessionStore(60);
    const transfer = { ...newTransfer('+15550109999', 'human'), step: 'done' as const, dialStatus: 'no-answer', notified: true };
    const ended = session('s2', { ended: true, outcome: 'message_taken', transfer, locale: 'es', recent: ['hola'] });
    await store.set(ended, 30);
    const read = await store.get('s2');
    expect(read).toEqual(endedSession('s2', `${ended.callId} ${ended.brandId} ${ended.clientId} es`));
    expect(read).toMatchObject({ callSid: 's2', callId: ended.callId, brandId: ended.brandId, clientId: ended.clientId, locale: 'es', ended: true, engineState: {}, opening: [] });
    expect(read).not.toHaveProperty('transfer');
    expect(read).not.toHaveProperty('recent');
  });

  it('ranks a message taken after a failed transfer above the failure, and a bridge from the queue above both', () => {
    expect(betterOutcome('transfer_failed', 'message_taken')).toBe('message_taken');
    expect(betterOutcome('transfer_failed', 'transferred')).toBe('transferred');
    expect(betterOutcome('message_taken', 'transfer_failed')).toBe('message_taken');
  });
});

describe('MemoryCallSessionStore with finished calls', () => {
  it('gives each finished call back with its own tenant and language, however many share one', async () => {
    const store = new MemoryCallSessionStore(60);
    await store.set(session('x1', { ended: true, brandId: 'b1', clientId: 'c1', locale: 'fr' }));
    await store.set(session('x2', { ended: true, brandId: 'b2', clientId: 'c2', locale: 'en' }));
    await store.set(session('x3', { ended: true, brandId: 'b1', clientId: 'c1', locale: 'fr' }));
    await store.set(session('x4', { ended: true, brandId: 'b1', clientId: 'c1', locale: 'es' }));
    expect(await store.get('x1')).toEqual(endedSession('x1', 'id-x1 b1 c1 fr'));
    expect(await store.get('x2')).toEqual(endedSession('x2', 'id-x2 b2 c2 en'));
    expect(await store.get('x3')).toEqual(endedSession('x3', 'id-x3 b1 c1 fr'));
    expect(await store.get('x4')).toEqual(endedSession('x4', 'id-x4 b1 c1 es'));
  });

  it('keeps a finished call at least as long as asked, though it counts in whole seconds, and a call ending replaces its live session', async () => {
    let now = 1_700_000_000_400;
    const store = new MemoryCallSessionStore(60, () => now);
    await store.set(session('s'));
    await store.set(session('s', { ended: true }), 30);
    now += 30_000;
    expect(await store.get('s')).toMatchObject({ callSid: 's', ended: true, seq: 0 });
    now += 1_000;
    expect(await store.get('s')).toBeNull();
    expect(store.size).toBe(0);
  });
});

describe('MemoryCallSessionStore bounds', () => {
  it('forgets the oldest finished calls at its limit, never a call in progress, and says how many', async () => {
    const evicted: number[] = [];
    const store = new MemoryCallSessionStore(60, Date.now, { maxEntries: 10, onEvict: (count) => evicted.push(count) });
    for (const sid of ['live-1', 'live-2', 'live-3']) await store.set(session(sid));
    for (let i = 0; i < 2000; i++) await store.set(session(`done-${i}`, { ended: true }));
    expect(store.size).toBeLessThanOrEqual(10);
    for (const sid of ['live-1', 'live-2', 'live-3']) expect(await store.get(sid)).toMatchObject({ callSid: sid, ended: false });
    expect(await store.get('done-1999')).toMatchObject({ callSid: 'done-1999', ended: true });
    expect(await store.get('done-0')).toBeNull();
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted.reduce((a, b) => a + b, 0)).toBe(2000 - (store.size - 3));
  });
});
