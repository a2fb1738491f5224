import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedis } from '../../core/src/testing/services';
import { RedisBatch } from './redis-batch';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

(requireRedis(REDIS_URL) ? describe : describe.skip)('RedisBatch', () => {
  const prefix = `tero-test-${randomUUID().slice(0, 8)}`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('writes the commands issued together to the socket at once, each caller getting its own reply', async () => {
    const batch = RedisBatch.of(redis);
    expect(RedisBatch.of(redis)).toBe(batch);
    await redis.set(`${prefix}:a`, 'alpha');
    const sizes: number[] = [];
    const writev = redis.stream as unknown as { _writev: (chunks: unknown[], done: unknown) => void };
    const original = writev._writev.bind(writev);
    writev._writev = (chunks, done) => {
      sizes.push(chunks.length);
      original(chunks, done);
    };
    try {
      const [read, claimed, again] = await Promise.all([
        batch.send('get', `${prefix}:a`),
        batch.send('set', `${prefix}:b`, '1', 'EX', 60, 'NX'),
        batch.send('set', `${prefix}:b`, '1', 'EX', 60, 'NX'),
      ]);
      expect([read, claimed, again]).toEqual(['alpha', 'OK', null]);
    } finally {
      writev._writev = original;
    }
    expect(sizes).toEqual([3]);
  });

  it('fails only the command Redis refused', async () => {
    const batch = RedisBatch.of(redis);
    await redis.set(`${prefix}:text`, 'not a number');
    const [wrong, right] = await Promise.allSettled([batch.send('incr', `${prefix}:text`), batch.send('get', `${prefix}:text`)]);
    expect(wrong).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/not an integer/) }) });
    expect(right).toEqual({ status: 'fulfilled', value: 'not a number' });
  });
});
