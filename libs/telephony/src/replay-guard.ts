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
 * The embedded guard: the hooks' signature claims (`sig:` and 22 base64url characters of the HMAC) in a
 * {@link DigestClaims} table, every other key in a map of key → expiry (whole seconds since the guard
 * started, so that V8 keeps them as small integers, not boxed numbers), swept as it grows. Bounded: at
 * {@link MEMORY_GUARD_MAX_KEYS} live keys of either kind the oldest tenth is forgotten (logged by the
 * caller's `onEvict`): a replay of one of those requests within its tolerance would then be taken, which
 * beats refusing every new call once a flood filled the guard. Map keys are kept flat (see `flat`): a
 * caller passes short strings of their own, never a slice of a request's text (a V8 slice keeps the whole
 * text alive as long as the claim).
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly digests: DigestClaims;
  private readonly startedAt: number;
  private sweepAt = 1024;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly options: { maxKeys?: number; onEvict?: (count: number) => void } = {},
  ) {
    this.startedAt = now();
    this.digests = new DigestClaims(options.maxKeys ?? MEMORY_GUARD_MAX_KEYS, (count) => options.onEvict?.(count));
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return this.claimSync(key, ttlSeconds);
  }

  /** The same as `claim`, for callers on this process that need no promise. */
  claimSync(key: string, ttlSeconds: number): boolean {
    const elapsedMs = this.now() - this.startedAt;
    // Rounded up: a claim never lives shorter than asked.
    const until = Math.ceil(elapsedMs / 1000 + Math.max(1, ttlSeconds));
    if (DigestClaims.holds(key)) return this.digests.claim(key, elapsedMs / 1000, until);
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt * 1000 > elapsedMs) return false;
    // A key claimed again after it expired moves to the end, so that insertion order stays the age order.
    if (expiresAt !== undefined) this.seen.delete(key);
    this.seen.set(flat(key), until);
    if (this.seen.size >= this.sweepAt) this.sweep(elapsedMs);
    return true;
  }

  /** Keys held now (live or not yet swept). */
  get size(): number {
    return this.seen.size + this.digests.size;
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

/** base64url's alphabet, by character code: its 6-bit value, or -1. */
const BASE64URL = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/** The 30 bits of five base64url characters from `at`, or -1 when one is not base64url. */
function bits30(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 5; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? BASE64URL[code]! : -1;
    if (digit < 0) return -1;
    value = value * 64 + digit;
  }
  return value;
}

/**
 * Claims of signed requests keyed by 60 bits of their HMAC (two 30-bit halves read from the key's
 * base64url text), in typed arrays with open addressing: 12 bytes a slot, 25 to 80 % of them used (15 to
 * 48 bytes a claim, ~24 on average), where a map of strings took ~100 bytes a key. Under call load the
 * guard holds the last five minutes of hooks — hundreds of thousands of claims; linear probing at 80 %
 * still finds a free slot within a dozen reads. The bits are an HMAC's: no one without the account's secret can aim a
 * request at another's slot. Expired slots are taken again as claims come; the table is rebuilt from its
 * live claims when 80 % of its slots were used, and at its maximum the claims closest to expiry (the oldest) go first.
 */
/** The share of a claims table's slots used that makes it rebuilt, and at most used right after. */
const MAX_LOAD = 0.8;
const REBUILT_LOAD = 0.5;

class DigestClaims {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** When each slot's claim expires, in guard seconds; 0: the slot was never used. */
  private until = new Uint32Array(1024);
  /** Slots ever used since the last rebuild (live or expired). */
  private used = 0;
  private live = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly onEvict: (count: number) => void,
  ) {}

  /** Whether `key` is a signature claim this table can hold: `sig:` and base64url text of at least 60 bits. */
  static holds(key: string): boolean {
    return key.length >= 14 && key.length <= 64 && key.startsWith('sig:') && bits30(key, 4) >= 0 && bits30(key, 9) >= 0;
  }

  /** Live claims, as of the last rebuild plus those added since (an approximation between rebuilds). */
  get size(): number {
    return this.live;
  }

  claim(key: string, nowSeconds: number, until: number): boolean {
    const hi = bits30(key, 4);
    const lo = bits30(key, 9);
    const mask = this.until.length - 1;
    let reusable = -1;
    for (let i = (lo ^ hi) & mask; ; i = (i + 1) & mask) {
      const expires = this.until[i]!;
      if (expires === 0) {
        const slot = reusable >= 0 ? reusable : i;
        if (reusable < 0) this.used++;
        this.put(slot, hi, lo, until);
        this.live++;
        if (this.used > this.until.length * MAX_LOAD || this.live >= this.maxKeys) this.rebuild(nowSeconds);
        return true;
      }
      if (this.hi[i] === hi && this.lo[i] === lo) {
        if (expires > nowSeconds) return false;
        this.until[i] = until;
        this.live++;
        return true;
      }
      if (reusable < 0 && expires <= nowSeconds) reusable = i;
    }
  }

  private put(slot: number, hi: number, lo: number, until: number): void {
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.until[slot] = until;
  }

  /** Keeps the live claims (the oldest tenth dropped at the maximum) in a table at most half full. */
  private rebuild(nowSeconds: number): void {
    const { hi, lo, until } = this;
    let live = 0;
    for (let i = 0; i < until.length; i++) if (until[i]! > nowSeconds) live++;
    let dropUntil = Math.floor(nowSeconds);
    if (live >= this.maxKeys) {
      // The expiry below which a tenth of the claims lies: expiries are whole seconds a few minutes ahead.
      const counts = new Map<number, number>();
      for (let i = 0; i < until.length; i++) if (until[i]! > nowSeconds) counts.set(until[i]!, (counts.get(until[i]!) ?? 0) + 1);
      let dropped = 0;
      for (const second of [...counts.keys()].sort((a, b) => a - b)) {
        if (dropped >= Math.ceil(this.maxKeys / 10)) break;
        dropped += counts.get(second)!;
        dropUntil = second;
      }
      live -= dropped;
      this.onEvict(dropped);
    }
    let size = 1024;
    while (size * REBUILT_LOAD < live) size *= 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.until = new Uint32Array(size);
    this.used = 0;
    this.live = 0;
    const mask = size - 1;
    for (let i = 0; i < until.length; i++) {
      const expires = until[i]!;
      if (expires <= dropUntil || expires <= nowSeconds) continue;
      let j = (lo[i]! ^ hi[i]!) & mask;
      while (this.until[j] !== 0) j = (j + 1) & mask;
      this.put(j, hi[i]!, lo[i]!, expires);
      this.used++;
      this.live++;
    }
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
