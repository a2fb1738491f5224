import type { IncomingMessage } from 'node:http';
import { AuthError, type AuthService, type Principal, type TenantResolver, hostOf } from '@tero/accounts';
import { SESSION_COOKIE } from '../http/request-context';
import { type LiveAudience, audienceFor } from './live-audience';
import { BEARER_SUBPROTOCOL_PREFIX, LiveCloseCode } from './live-protocol';

/** The outcome of a live socket's handshake: whom it serves and what it sees, or why it is refused. */
export type LiveAdmission =
  | { admitted: true; principal: Principal; audience: LiveAudience }
  | { admitted: false; closeCode: number; reason: string };

/** What admission needs from the kernel. */
export interface LiveAdmissionDeps {
  resolver: Pick<TenantResolver, 'resolve'>;
  auth: Pick<AuthService, 'principalFromAccessToken' | 'principalFromSession'>;
}

const refuse = (closeCode: number, reason: string): LiveAdmission => ({ admitted: false, closeCode, reason });

/**
 * The bearer token of a handshake, from (in order) `Authorization: Bearer …`, the `token` query parameter,
 * or a `bearer.<jwt>` entry of `Sec-WebSocket-Protocol` (browsers can set neither headers nor cookies of
 * another host on a WebSocket, but they can offer subprotocols).
 */
export function bearerTokenOf(request: Pick<IncomingMessage, 'headers' | 'url'>): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) return authorization.slice(7).trim() || null;
  const query = new URL(request.url ?? '/', 'ws://live').searchParams.get('token');
  if (query) return query;
  const offered = request.headers['sec-websocket-protocol'];
  for (const entry of (typeof offered === 'string' ? offered : '').split(',')) {
    const protocol = entry.trim();
    if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX) && protocol.length > BEARER_SUBPROTOCOL_PREFIX.length) {
      return protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/**
 * Authenticates a live socket's upgrade request on its tenant host, the same way pages and the API do: a
 * bearer token (the API's JWT) or the page session cookie. The WebSocket upgrade does not pass through
 * Fastify's request hooks, so the host, cookie and token are read here from the raw request.
 *
 * A session cookie is accepted only when the browser's `Origin` is this host: cookies ride along on any
 * page's WebSocket to us, and without this check another site could open a feed in the user's name.
 */
export async function admitLiveSocket(deps: LiveAdmissionDeps, request: Pick<IncomingMessage, 'headers' | 'url'>): Promise<LiveAdmission> {
  const host = await deps.resolver.resolve(request.headers.host);
  if (!host) return refuse(LiveCloseCode.unknownHost, 'unknown host');

  let principal: Principal | null;
  const token = bearerTokenOf(request);
  if (token !== null) {
    try {
      principal = await deps.auth.principalFromAccessToken(token);
    } catch (error) {
      if (error instanceof AuthError) return refuse(LiveCloseCode.unauthenticated, 'invalid token');
      throw error;
    }
  } else {
    const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!session) return refuse(LiveCloseCode.unauthenticated, 'no session or token');
    const origin = request.headers.origin;
    if (origin !== undefined && !sameHost(origin, request.headers.host)) return refuse(LiveCloseCode.forbidden, 'origin is not this host');
    principal = await deps.auth.principalFromSession(session);
    if (!principal) return refuse(LiveCloseCode.unauthenticated, 'session expired or signed out');
  }

  const audience = audienceFor(principal, host);
  if (!audience) return refuse(LiveCloseCode.forbidden, 'these credentials are for another tenant');
  return { admitted: true, principal, audience };
}

/**
 * One cookie of a `Cookie` header. (The upgrade bypasses Fastify, and @fastify/cookie's own parser only
 * works once the plugin has loaded its parser module, so the one value needed is read here.)
 */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    const raw = pair.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** Host names only: cookies are per host name, not per port, so a port adds nothing to the check. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return hostOf(new URL(origin).host) === hostOf(host);
  } catch {
    return false;
  }
}
