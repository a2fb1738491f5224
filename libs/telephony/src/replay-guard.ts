import type { Redis } from 'ioredis';
import { RedisBatch } from './redis-batch';

/**
 * Remembers keys for a while and says whether a key is new: a signed webhook already accepted within the
 * signature tolerance is refused (a replay), and a status delivered twice is acted on once. In memory on
 * one process; in Redis (`SET NX EX`) when configured, so that every replica sees what the others accepted.
 */
export interface ReplayGuard {
  /** True the first time `key` is claimed within `ttlSeconds`; false while an earlier claim lives. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

/** The embedded guard: a map of key → expiry, swept as it grows. */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private sweepAt = 1024;

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return this.claimSync(key, ttlSeconds);
  }

  /** The same as `claim`, for callers on this process that need no promise. */
  claimSync(key: string, ttlSeconds: number): boolean {
    const now = this.now();
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.set(key, now + ttlSeconds * 1000);
    if (this.seen.size >= this.sweepAt) this.sweep(now);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
    this.sweepAt = Math.max(1024, this.seen.size * 2);
  }
}

/** Shared by every replica: `SET <prefix>:jz:seen:<key> 1 EX ttl NX`, through the connection's {@link RedisBatch}. */
export class RedisReplayGuard implements ReplayGuard {
  private readonly batch: RedisBatch;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.batch = RedisBatch.of(redis);
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.batch.send('set', `${this.prefix}:jz:seen:${key}`, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    return result === 'OK';
  }
}
