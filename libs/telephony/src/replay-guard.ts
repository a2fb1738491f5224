import type { Redis } from 'ioredis';
import { flat } from './flat-string';
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

/** Keys the embedded guard holds at most (~100 bytes each): beyond, the oldest claims are forgotten first. */
export const MEMORY_GUARD_MAX_KEYS = 500_000;

/**
 * The embedded guard: a map of key → expiry (whole seconds since the guard started, so that V8 keeps them
 * as small integers, not boxed numbers), swept as it grows. Bounded: at {@link MEMORY_GUARD_MAX_KEYS} live keys the oldest
 * tenth is forgotten (logged by the caller's `onEvict`): a replay of one of those requests within its
 * tolerance would then be taken, which beats refusing every new call once a flood filled the map. Keys
 * are kept flat (see `flat`): a caller passes short strings of their own, never a slice of a
 * request's text (a V8 slice keeps the whole text alive as long as the claim; the hooks' keys are made
 * from the digest).
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly startedAt: number;
  private sweepAt = 1024;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly options: { maxKeys?: number; onEvict?: (count: number) => void } = {},
  ) {
    this.startedAt = now();
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return this.claimSync(key, ttlSeconds);
  }

  /** The same as `claim`, for callers on this process that need no promise. */
  claimSync(key: string, ttlSeconds: number): boolean {
    const elapsedMs = this.now() - this.startedAt;
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt * 1000 > elapsedMs) return false;
    // A key claimed again after it expired moves to the end, so that insertion order stays the age order.
    if (expiresAt !== undefined) this.seen.delete(key);
    // Rounded up: a claim never lives shorter than asked.
    this.seen.set(flat(key), Math.ceil(elapsedMs / 1000 + Math.max(1, ttlSeconds)));
    if (this.seen.size >= this.sweepAt) this.sweep(elapsedMs);
    return true;
  }

  /** Keys held now (live or not yet swept). */
  get size(): number {
    return this.seen.size;
  }

  private sweep(elapsedMs: number): void {
    for (const [key, expiresAt] of this.seen) if (expiresAt * 1000 <= elapsedMs) this.seen.delete(key);
    const max = this.options.maxKeys ?? MEMORY_GUARD_MAX_KEYS;
    if (this.seen.size >= max) {
      let evict = Math.ceil(max / 10);
      const count = evict;
      for (const key of this.seen.keys()) {
        if (evict-- <= 0) break;
        this.seen.delete(key);
      }
      this.options.onEvict?.(count);
    }
    this.sweepAt = Math.min(max, Math.max(1024, this.seen.size * 2));
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
