import { createHmac, hkdfSync } from 'node:crypto';
import { timingSafeEqualStr } from '@tero/core';

/** HTTP Basic credentials jambonz sends on the listen stream's upgrade (the `wsAuth` of `listen`). */
export interface ListenCredentials {
  username: string;
  password: string;
}

export type ListenAuthResult = { ok: true; callSid: string } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** What a call sid may look like here: jambonz sends UUIDs; a Basic user name cannot hold a colon. */
const CALL_SID = /^[A-Za-z0-9._@-]{1,64}$/;
/** Longer than any header these credentials make; a longer one is refused unread. */
const MAX_HEADER_LENGTH = 512;
/** Names the derived key, so that it serves this purpose and no other derived from the same secret. */
const KEY_INFO = 'tero-voice/recordings/listen-auth/v1';

export function isListenCallSid(value: unknown): value is string {
  return typeof value === 'string' && CALL_SID.test(value);
}

/**
 * Per-call credentials for jambonz's listen stream: the user name is the call sid, the password the
 * HMAC-SHA256 of it under a key derived (HKDF) from APP_SECRET — nothing new to configure, nothing to
 * store, and a password opens one call's stream only. Whoever opens a stream with them has been handed
 * the call's `listen` verb by us, which is what makes the stream trustworthy: its metadata frame is
 * believed only where it names the same call.
 */
export class ListenAuth {
  private readonly key: Buffer;

  constructor(appSecret: string) {
    if (typeof appSecret !== 'string' || appSecret.length < 32) throw new Error('ListenAuth needs APP_SECRET (at least 32 characters)');
    this.key = Buffer.from(hkdfSync('sha256', appSecret, Buffer.alloc(0), KEY_INFO, 32));
  }

  /** The credentials to put in the call's `listen` verb. */
  credentialsFor(callSid: string): ListenCredentials {
    if (!isListenCallSid(callSid)) throw new Error(`not a call sid: ${JSON.stringify(String(callSid).slice(0, 80))}`);
    return { username: callSid, password: this.passwordOf(callSid) };
  }

  /** Checks an `Authorization` header (Basic) in constant time; says which call it opens. */
  verify(authorization: string | string[] | undefined): ListenAuthResult {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
    if (typeof authorization !== 'string' || authorization.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'malformed' };
    const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed' };
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'malformed' };
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (!isListenCallSid(username)) return { ok: false, reason: 'malformed' };
    return timingSafeEqualStr(password, this.passwordOf(username)) ? { ok: true, callSid: username } : { ok: false, reason: 'mismatch' };
  }

  private passwordOf(callSid: string): string {
    return createHmac('sha256', this.key).update(callSid, 'utf8').digest('base64url');
  }
}

/** The `Authorization` header a client sends for `credentials` (what jambonz builds from `wsAuth`). */
export function basicAuthorization(credentials: ListenCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}
