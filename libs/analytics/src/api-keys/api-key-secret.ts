import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every key starts with: recognisable in logs and by secret scanners. */
export const API_KEY_PREFIX = 'tero_live_';

const KEY_PATTERN = /^(tero_live_[0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

/** A new key: the prefix (stored, shown) and the whole key (shown once). */
export function newApiKey(): { prefix: string; secret: string; key: string } {
  const prefix = `${API_KEY_PREFIX}${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, key: `${prefix}_${secret}` };
}

/** Splits a presented key; null when it is not shaped like one of ours. */
export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { prefix: match[1]!, secret: match[2]! } : null;
}

/** Hex SHA-256: the secret is 256 random bits, so no slow hash is needed to make guessing hopeless. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
