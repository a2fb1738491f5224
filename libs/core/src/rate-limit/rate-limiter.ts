import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counter per key (`login:ip:1.2.3.4`). In memory on one process; in Redis when
 * configured, so that every replica counts the same attempts.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /**
   * The key's current window without counting a hit (count 0 when none is open): for limits on failures,
   * where a caller over the limit must be refused before the attempt, which alone would count.
   */
  peek(key: string): Promise<{ count: number; retryAfterSeconds: number }>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
      if (this.windows.size > 50_000) this.sweep(now);
    }
    window.count++;
    return { allowed: window.count <= limit, count: window.count, retryAfterSeconds: Math.ceil((window.resetAt - now) / 1000) };
  }

  async peek(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { count: 0, retryAfterSeconds: 0 };
    return { count: window.count, retryAfterSeconds: Math.ceil((window.resetAt - now) / 1000) };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const redisKey = `${this.prefix}:rl:${key}`;
    const [[, count], [, ttl]] = (await this.redis
      .multi()
      .incr(redisKey)
      .ttl(redisKey)
      .exec()) as [[unknown, number], [unknown, number]];
    let retryAfterSeconds = ttl;
    if (ttl < 0) {
      await this.redis.expire(redisKey, windowSeconds);
      retryAfterSeconds = windowSeconds;
    }
    return { allowed: count <= limit, count, retryAfterSeconds };
  }

  async peek(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    const redisKey = `${this.prefix}:rl:${key}`;
    const [[, count], [, ttl]] = (await this.redis.multi().get(redisKey).ttl(redisKey).exec()) as [[unknown, string | null], [unknown, number]];
    return count === null ? { count: 0, retryAfterSeconds: 0 } : { count: Number(count), retryAfterSeconds: Math.max(ttl, 0) };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:rl:${key}`);
  }
}
