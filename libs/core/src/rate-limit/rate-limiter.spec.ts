import { Redis } from 'ioredis';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './rate-limiter';

function contract(name: string, make: () => { limiter: RateLimiter; advance?: (ms: number) => void; close?: () => Promise<void> }) {
  describe(name, () => {
    it('allows up to the limit, then refuses with a retry-after', async () => {
      const { limiter, close } = make();
      const key = `k-${Math.random()}`;
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.hit(key, 3, 60));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results[3].retryAfterSeconds).toBeGreaterThan(0);
      expect(results[3].retryAfterSeconds).toBeLessThanOrEqual(60);
      await close?.();
    });
    it('peeks at a window without counting', async () => {
      const { limiter, close } = make();
      const key = `p-${Math.random()}`;
      expect((await limiter.peek(key)).count).toBe(0);
      await limiter.hit(key, 5, 60);
      await limiter.hit(key, 5, 60);
      const seen = await limiter.peek(key);
      expect(seen.count).toBe(2);
      expect(seen.retryAfterSeconds).toBeGreaterThan(0);
      expect((await limiter.peek(key)).count).toBe(2);
      await close?.();
    });
    it('counts keys separately and resets', async () => {
      const { limiter, close } = make();
      const a = `a-${Math.random()}`;
      const b = `b-${Math.random()}`;
      await limiter.hit(a, 1, 60);
      expect((await limiter.hit(a, 1, 60)).allowed).toBe(false);
      expect((await limiter.hit(b, 1, 60)).allowed).toBe(true);
      await limiter.reset(a);
      expect((await limiter.hit(a, 1, 60)).allowed).toBe(true);
      await close?.();
    });
  });
}

contract('MemoryRateLimiter', () => ({ limiter: new MemoryRateLimiter() }));

it('MemoryRateLimiter opens a new window once the old one ends', async () => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now);
  await limiter.hit('k', 1, 10);
  expect((await limiter.hit('k', 1, 10)).allowed).toBe(false);
  now = 10_001;
  expect((await limiter.hit('k', 1, 10)).allowed).toBe(true);
});

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
let redisUp = true;
beforeAll(async () => {
  try {
    await redis.connect();
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI but not reachable at ${redisUrl}: ${String(error)}`);
    redisUp = false;
    console.warn(`Redis not reachable at ${redisUrl}: RedisRateLimiter cases skipped`);
  }
});
afterAll(() => redis.quit().catch(() => undefined));
describe('RedisRateLimiter', () => {
  const prefix = `tero-test-${process.pid}-${Date.now()}`;
  it('behaves like the memory limiter across two clients of one Redis', async () => {
    if (!redisUp) return;
    const other = new Redis(redisUrl);
    const one = new RedisRateLimiter(redis, prefix);
    const two = new RedisRateLimiter(other, prefix);
    expect((await one.hit('login:x', 2, 60)).allowed).toBe(true);
    expect((await two.hit('login:x', 2, 60)).allowed).toBe(true);
    const third = await one.hit('login:x', 2, 60);
    expect(third.allowed).toBe(false);
    expect(third.count).toBe(3);
    // Either client sees the window without counting in it.
    expect(await two.peek('login:x')).toMatchObject({ count: 3 });
    expect((await one.peek('login:x')).count).toBe(3);
    expect((await one.peek('login:none')).count).toBe(0);
    await one.reset('login:x');
    expect((await two.hit('login:x', 2, 60)).allowed).toBe(true);
    await one.reset('login:x');
    await other.quit();
  });
});
