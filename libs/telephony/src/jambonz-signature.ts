import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * jambonz signs every webhook request with the account's webhook secret: header
 * `Jambonz-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where v1 is HMAC-SHA256 over
 * `"<t>.<raw body>"`. Several v1 values (jambonz signing with more than one secret) and several secrets on
 * our side (a rotation in progress) are both allowed: any pair that matches verifies the request.
 */

/** The header name, lower case as Node hands headers over. */
export const SIGNATURE_HEADER = 'jambonz-signature';

/** How far a signature's time may lie from ours, in seconds, when nothing else is configured. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,12}$/;

/** A parsed `Jambonz-Signature` header. */
export interface SignatureHeader {
  timestamp: number;
  /** The `v1` values, lower-case hex, in header order. */
  signatures: string[];
}

/** Why a request failed verification; the route answers 401 for each. */
export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch' | 'no_secret';

export type SignatureCheck =
  | {
      ok: true;
      timestamp: number;
      /** The v1 value that matched. */
      signature: string;
      /**
       * What replay protection remembers of the request: the matched HMAC's first 128 bits, base64url (22
       * characters of a string of its own, not a slice of the request's header that would keep it alive).
       */
      replayKey: string;
      /** Index in `secrets` of the secret that matched (0 = the newest). */
      secretIndex: number;
    }
  | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  toleranceSeconds?: number;
  /** Current time in ms (tests pin it). */
  now?: number;
}

/** The hex HMAC-SHA256 of `"<t>.<raw body>"`, without copying the body. */
export function computeSignature(secret: string, rawBody: Buffer | string, timestamp: number): string {
  return digestOf(secret, rawBody, timestamp).toString('hex');
}

function digestOf(secret: string, rawBody: Buffer | string, timestamp: number): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'latin1').update(rawBody).digest();
}

/** The header jambonz would send for this body at unix time `t` (seconds). */
export function sign(secret: string, rawBody: Buffer | string, t: number): string {
  return `t=${t},v1=${computeSignature(secret, rawBody, t)}`;
}

/** Parses the header; null when it is absent or has no usable timestamp and v1. Unknown schemes are ignored. */
export function parseSignatureHeader(header: string | string[] | undefined): SignatureHeader | null {
  if (typeof header !== 'string' || header.length === 0 || header.length > 2048) return null;
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    if (key === 't') {
      const value = item.slice(eq + 1).trim();
      if (DIGITS.test(value)) timestamp = Number(value);
    } else if (key === 'v1') {
      const value = item.slice(eq + 1).trim().toLowerCase();
      if (value.length === 64 && HEX_SHA256.test(value)) signatures.push(value);
    }
  }
  if (!Number.isFinite(timestamp) || signatures.length === 0) return null;
  return { timestamp, signatures };
}

/**
 * Checks a request: the header parses, its time is within the tolerance (either side of `now`), and one
 * of its v1 values is the HMAC of the raw body under one of `secrets` (newest first). Comparisons are
 * constant-time. Does not remember anything: replay protection is the caller's next step.
 */
export function verify(header: string | string[] | undefined, rawBody: Buffer | string, secrets: readonly string[], options: VerifyOptions = {}): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (secrets.length === 0) return { ok: false, reason: 'no_secret' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - parsed.timestamp) > tolerance) return { ok: false, reason: 'expired' };
  const given = parsed.signatures.map((hex) => Buffer.from(hex, 'hex'));
  for (let index = 0; index < secrets.length; index++) {
    const expected = digestOf(secrets[index]!, rawBody, parsed.timestamp);
    for (let i = 0; i < given.length; i++) {
      if (timingSafeEqual(expected, given[i]!)) {
        return { ok: true, timestamp: parsed.timestamp, signature: parsed.signatures[i]!, replayKey: expected.toString('base64url', 0, 16), secretIndex: index };
      }
    }
  }
  return { ok: false, reason: 'mismatch' };
}
