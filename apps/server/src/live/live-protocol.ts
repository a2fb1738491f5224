import type { PublishedEvent } from '@tero/core';

/** The path the live gateway listens on. */
export const LIVE_PATH = '/live';

/**
 * The WebSocket subprotocol of the live feed. A client that sends its token in `Sec-WebSocket-Protocol`
 * offers it together with `bearer.<jwt>`; the server answers with this one, never echoing the token.
 */
export const LIVE_SUBPROTOCOL = 'tero-live.v1';

/** Prefix of the subprotocol entry that carries a bearer token (`bearer.<jwt>`). */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/**
 * Close codes of the live feed (4000–4999 are the application's). A browser cannot read the HTTP status
 * of a refused upgrade, but it does see the close code, so refusals are told with these.
 */
export const LiveCloseCode = {
  /** No credentials, or a session or token that is not (or no longer) valid. */
  unauthenticated: 4401,
  /** Valid credentials of another tenant than the host's, or a cookie sent from another origin. */
  forbidden: 4403,
  /** The host names no brand or client. */
  unknownHost: 4404,
  /** The client read too slowly and its backlog grew past the limit. */
  tooSlow: 4408,
  /** The server is shutting down; reconnect (to another replica). */
  goingAway: 1001,
} as const;

/** Every message the server sends: a domain event, `live.ready` once authenticated, or `live.pong`. */
export interface LiveMessage<P = unknown> {
  type: string;
  /** ISO-8601 instant: when the event happened, or when the server sent a control message. */
  at: string;
  payload: P;
}

/** The wire form of a domain event: its type, time and payload (tenant ids stay on the server). */
export function eventMessage(event: PublishedEvent): string {
  const message: LiveMessage = { type: event.type, at: event.at, payload: event.payload };
  return JSON.stringify(message);
}

/** A control message sent by the server itself. */
export function controlMessage(type: 'live.ready' | 'live.pong', payload: unknown, now = new Date()): string {
  const message: LiveMessage = { type, at: now.toISOString(), payload };
  return JSON.stringify(message);
}

/**
 * What a client sent, reduced to what the server acts on: `{"type":"ping"}` asks for a `live.pong` (a
 * browser cannot send protocol-level pings, so this is its way to check the connection). Anything else,
 * including frames that are not JSON, is ignored.
 */
export function parseClientMessage(data: unknown): 'ping' | null {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : null;
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as { type?: unknown } | null;
    return parsed !== null && typeof parsed === 'object' && parsed.type === 'ping' ? 'ping' : null;
  } catch {
    return null;
  }
}
