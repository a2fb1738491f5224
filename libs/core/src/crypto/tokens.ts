import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token (session ids, magic links, CSRF): `bytes` of entropy, base64url without padding. */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('randomToken needs at least 16 bytes of entropy');
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 as lowercase hex: how a token is stored so that a database leak does not leak usable tokens. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA256 of `data` under `secret`, base64url by default (compact enough for cookies and URLs). */
export function hmacSha256(secret: string | Buffer, data: string | Buffer, encoding: 'base64url' | 'hex' = 'base64url'): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

/**
 * Compares two strings in time that depends on neither their content nor their lengths: both sides are
 * hashed first, because `crypto.timingSafeEqual` throws on (and so reveals) a length difference.
 */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
