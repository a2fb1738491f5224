import { hmacSha256, timingSafeEqualStr } from '@tero/core';
import { TeroError } from '@tero/sdk';

/** What a signed link stands for: an open (the pixel), a click (to one URL) or an unsubscribe. */
export type TrackingToken =
  | { kind: 'open'; messageId: string; brandId: string; clientId: string | null }
  | { kind: 'click'; messageId: string; brandId: string; clientId: string | null; url: string }
  | { kind: 'unsubscribe'; messageId: string; brandId: string; clientId: string | null; email: string; category: string };

/** Token kinds as they travel (short, since they sit in every link of every message). */
const KIND_CODES = { open: 'o', click: 'c', unsubscribe: 'u' } as const;
const CODE_KINDS: Record<string, TrackingToken['kind']> = { o: 'open', c: 'click', u: 'unsubscribe' };

/** Longest token accepted before any work: a click token holds its URL, which we cap when signing. */
const MAX_TOKEN_LENGTH = 4096;
const MAX_URL_LENGTH = 2048;

/** The token is not one we signed (tampered, truncated, another instance's): 404, nothing recorded. */
export function invalidTrackingToken(): TeroError {
  return new TeroError('email.tracking_invalid', 'this link is not valid', {}, { status: 404 });
}

/**
 * Signs and reads the tokens in tracking links: `<payload>.<mac>`, the payload base64url JSON, the MAC an
 * HMAC-SHA256 under a key derived from `APP_SECRET` for this purpose only (a session or CSRF token can
 * never pass for one). A click redirects only to the URL inside a token that verifies, so the route is no
 * open redirect; the comparison takes constant time.
 */
export class TrackingTokens {
  private readonly key: string;

  constructor(appSecret: string) {
    if (appSecret.length < 32) throw new Error('TrackingTokens needs APP_SECRET (at least 32 characters)');
    this.key = hmacSha256(appSecret, 'tero:email-tracking:v1');
  }

  sign(token: TrackingToken): string {
    if (token.kind === 'click' && (token.url.length > MAX_URL_LENGTH || !/^https?:\/\//i.test(token.url))) {
      throw new TeroError('email.tracking_url_invalid', 'only http(s) links up to 2048 characters are tracked');
    }
    const { kind, ...rest } = token;
    const payload = Buffer.from(JSON.stringify({ k: KIND_CODES[kind], ...rest }), 'utf8').toString('base64url');
    return `${payload}.${hmacSha256(this.key, payload)}`;
  }

  /** The token's content, or `email.tracking_invalid` (404) for anything we did not sign, or of another kind. */
  verify<K extends TrackingToken['kind']>(raw: string, kind: K): Extract<TrackingToken, { kind: K }> {
    if (typeof raw !== 'string' || raw.length > MAX_TOKEN_LENGTH) throw invalidTrackingToken();
    const dot = raw.indexOf('.');
    if (dot <= 0) throw invalidTrackingToken();
    const payload = raw.slice(0, dot);
    if (!timingSafeEqualStr(raw.slice(dot + 1), hmacSha256(this.key, payload))) throw invalidTrackingToken();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalidTrackingToken();
    }
    const { k, ...rest } = parsed;
    if (CODE_KINDS[String(k)] !== kind) throw invalidTrackingToken();
    return { kind, ...rest } as Extract<TrackingToken, { kind: K }>;
  }
}
