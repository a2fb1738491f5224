import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedis } from '../../core/src/testing/services';
import { type CallSession, MemoryCallSessionStore, RedisCallSessionStore, betterOutcome, endedSession } from './call-session.store';
import { MemoryReplayGuard, RedisReplayGuard } from './replay-guard';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What the hooks claim for a request: 128 bits of its HMAC as base64url (here of a counter's hash). */
const randomBytesOf = (i: number) => createHash('sha256').update(String(i)).digest().subarray(0, 16).toString('base64url');

const session = (callSid: string, over: Partial<CallSession> = {}): CallSession => ({
  callSid,
  callId: randomUUID(),
  brandId: 'b',
  clientId: 'c',
  accountSid: 'a',
  route: 'open',
  mode: 'ai',
  locale: 'en',
  from: '+15550001111',
  to: '+15550002222',
  callerName: null,
  startedAt: new Date(0).toISOString(),
  engineId: 'builtin',
  engineState: { step: 'greeting' },
  seq: 1,
  silences: 0,
  callerTurns: 0,
  outcome: null,
  bookingId: null,
  messageId: null,
  held: false,
  transferTo: null,
  lastAction: 'listen',
  ended: false,
  opening: [{ verb: 'hangup' }],
  ...over,
});

describe('MemoryReplayGuard and MemoryCallSessionStore', () => {
  it('forget claims and sessions after their time, and hand out copies', async () => {
    let now = 0;
    const guard = new MemoryReplayGuard(() => now);
    expect(await guard.claim('k', 10)).toBe(true);
    expect(await guard.claim('k', 10)).toBe(false);
    now = 10_001;
    expect(await guard.claim('k', 10)).toBe(true);

    const store = new MemoryCallSessionStore(60, () => now);
    const written = session('s1');
    await store.set(written);
    written.seq = 50;
    (written.engineState as { step: string }).step = 'changed after set';
    const read = (await store.get('s1'))!;
    read.seq = 99;
    (read.engineState as { step: string }).step = 'changed by an engine';
    expect(await store.get('s1')).toMatchObject({ seq: 1, engineState: { step: 'greeting' } });
    now += 60_001;
    expect(await store.get('s1')).toBeNull();
  });

  it('gives a finished call\'s session back as its call, tenant and language, for as long as asked', async () => {
    let now = 0;
    const store = new MemoryCallSessionStore(60, () => now);
    const ended = { ...session('s2'), ended: true, engineState: {}, opening: [], outcome: 'answered' as const, locale: 'es', test: true };
    await store.set(ended, 30);
    expect(await store.get('s2')).toEqual(endedSession('s2', `${ended.callId} b c es`));
    now += 30_001;
    expect(await store.get('s2')).toBeNull();
  });
});

describe('MemoryReplayGuard bounds', () => {
  it('never forgets a claim sooner than asked, even when claimed late in a second', async () => {
    let now = 900;
    const guard = new MemoryReplayGuard(() => now);
    now = 1_899; // 0.999 s after the guard started
    expect(guard.claimSync('k', 10)).toBe(true);
    now = 11_898;
    expect(guard.claimSync('k', 10)).toBe(false);
    now = 11_900;
    expect(guard.claimSync('k', 10)).toBe(true);
  });

  it('holds at most its maximum of keys, forgetting the oldest first and saying so', () => {
    const evicted: number[] = [];
    const guard = new MemoryReplayGuard(() => 0, { maxKeys: 2_000, onEvict: (count) => evicted.push(count) });
    for (let i = 0; i < 5_000; i++) expect(guard.claimSync(`sig:${i}`, 300)).toBe(true);
    expect(guard.size).toBeLessThanOrEqual(2_000);
    expect(evicted.length).toBeGreaterThan(0);
    expect(guard.claimSync('sig:4999', 300)).toBe(false);
    expect(guard.claimSync('sig:0', 300)).toBe(true);
  });

  it('holds signature claims in its table: each once, a replay refused, free again once expired, the oldest forgotten first at its maximum', () => {
    let now = 0;
    const evicted: number[] = [];
    const guard = new MemoryReplayGuard(() => now, { maxKeys: 3_000, onEvict: (count) => evicted.push(count) });
    const key = (i: number) => `sig:${randomBytesOf(i)}`;
    for (let i = 0; i < 2_500; i++) expect(guard.claimSync(key(i), 300)).toBe(true);
    for (let i = 0; i < 2_500; i += 97) expect(guard.claimSync(key(i), 300)).toBe(false);
    expect(guard.size).toBe(2_500);
    expect(evicted).toEqual([]);
    // Later claims push it past its maximum: the claims of the first second go, the recent ones stay refused.
    now = 1_500;
    for (let i = 2_500; i < 4_000; i++) expect(guard.claimSync(key(i), 300)).toBe(true);
    expect(evicted.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(300);
    expect(guard.size).toBeLessThanOrEqual(3_000);
    expect(guard.claimSync(key(3_999), 300)).toBe(false);
    expect(guard.claimSync(key(0), 300)).toBe(true);
    // Every claim expires with its time.
    now = 1_500 + 302_000;
    expect(guard.claimSync(key(3_999), 300)).toBe(true);
  });

  it('keeps each key exactly as given: joined from parts, or differing from another only in its accents\' composition', () => {
    const guard = new MemoryReplayGuard(() => 0);
    const digest = 'Vou-sPRSb0mwBhTtF-qr5g';
    expect(guard.claimSync(`sig:${digest}`, 300)).toBe(true);
    expect(guard.claimSync('sig:Vou-sPRSb0mwBhTtF-qr5g', 300)).toBe(false);
    // "é" composed (U+00E9) and decomposed (e + U+0301): two different keys, two claims.
    expect(guard.claimSync('transfer-notice:caf\u00e9', 300)).toBe(true);
    expect(guard.claimSync('transfer-notice:cafe\u0301', 300)).toBe(true);
    expect(guard.claimSync('transfer-notice:cafe\u0301', 300)).toBe(false);
    expect(guard.claimSync('transfer-notice:caf\u00e9', 300)).toBe(false);
  });
});

describe('betterOutcome', () => {
  it('keeps the more telling outcome of a call', () => {
    expect(betterOutcome(null, 'answered')).toBe('answered');
    expect(betterOutcome('answered', 'booked')).toBe('booked');
    expect(betterOutcome('booked', 'answered')).toBe('booked');
    expect(betterOutcome('transfer_failed', 'voicemail')).toBe('voicemail');
    expect(betterOutcome('message_taken', undefined)).toBe('message_taken');
  });
});

(requireRedis(REDIS_URL) ? describe : describe.skip)('Redis guard and sessions across replicas', () => {
  const prefix = `tero-test-${randomUUID().slice(0, 8)}`;
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = new Redis(REDIS_URL);
    b = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}:*`);
    if (keys.length) await a.del(...keys);
    await Promise.all([a.quit(), b.quit()]);
  });

  it('lets exactly one replica claim a key, even when both try at once', async () => {
    const [one, two] = [new RedisReplayGuard(a, prefix), new RedisReplayGuard(b, prefix)];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).claim('sig:abc', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.ttl(`${prefix}:jz:seen:sig:abc`)).toBeGreaterThan(0);
  });

  it('lets another replica take the next hook of a call', async () => {
    await new RedisCallSessionStore(a, prefix).set(session('s2', { seq: 7 }));
    expect(await new RedisCallSessionStore(b, prefix).get('s2')).toMatchObject({ callSid: 's2', seq: 7, engineState: { step: 'greeting' } });
    expect(await new RedisCallSessionStore(b, prefix).get('nope')).toBeNull();
    expect(await b.ttl(`${prefix}:jz:call:s2`)).toBeGreaterThan(3600);
  });

  it('keeps a finished call as its call, tenant and language only, for as long as asked', async () => {
    const ended = session('s3', { ended: true, outcome: 'booked', locale: 'fr', engineState: { step: 'done' } });
    await new RedisCallSessionStore(a, prefix).set(ended, 900);
    expect(await b.get(`${prefix}:jz:call:s3`)).toBe(`~${ended.callId} b c fr`);
    expect(await new RedisCallSessionStore(b, prefix).get('s3')).toEqual(endedSession('s3', `${ended.callId} b c fr`));
    expect(await b.ttl(`${prefix}:jz:call:s3`)).toBeLessThanOrEqual(900);
  });
});
