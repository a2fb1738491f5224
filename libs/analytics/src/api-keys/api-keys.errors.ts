import { TeroError } from '@tero/sdk';

/**
 * Stable codes of the client API's refusals. Each has a message in the `errors` namespace of every locale
 * (`errors:analytics.api_key_revoked`), filled with its params. 401s say what is wrong with the key, 403
 * names the scope, 429 carries the seconds to wait, 400s name the parameter at fault.
 */
export const API_ERRORS = {
  keyMissing: 'analytics.api_key_missing',
  keyInvalid: 'analytics.api_key_invalid',
  keyRevoked: 'analytics.api_key_revoked',
  keyNotFound: 'analytics.api_key_not_found',
  tooManyKeys: 'analytics.api_too_many_keys',
  scopeMissing: 'analytics.api_scope_missing',
  rateLimited: 'analytics.api_rate_limited',
  unknownParameter: 'analytics.api_unknown_parameter',
  badParameter: 'analytics.api_bad_parameter',
  badCursor: 'analytics.api_bad_cursor',
  callNotFound: 'analytics.api_call_not_found',
} as const;

/** 401: no `Authorization: Bearer <key>` header, or one that is not an API key of ours. */
export function keyMissing(): TeroError {
  return new TeroError(API_ERRORS.keyMissing, 'send the API key as "Authorization: Bearer tero_live_…"', {}, { status: 401 });
}

/** 401: the key's prefix or secret matches no key (a typo, a truncated copy, a made-up key). */
export function keyInvalid(): TeroError {
  return new TeroError(API_ERRORS.keyInvalid, 'this API key is not valid', {}, { status: 401 });
}

/** 401: the key was real, and its owner revoked it. Said only to whoever holds the whole key. */
export function keyRevoked(prefix: string): TeroError {
  return new TeroError(API_ERRORS.keyRevoked, `the API key ${prefix} was revoked`, { prefix }, { status: 401 });
}

export function keyNotFound(): TeroError {
  return new TeroError(API_ERRORS.keyNotFound, 'no such API key for this client', {}, { status: 404 });
}

export function tooManyKeys(max: number): TeroError {
  return new TeroError(API_ERRORS.tooManyKeys, `a client has at most ${max} active API keys; revoke one first`, { max }, { status: 409 });
}

/** 403: the key is good but was not given the scope this route needs. */
export function scopeMissing(scope: string): TeroError {
  return new TeroError(API_ERRORS.scopeMissing, `this API key lacks the scope ${scope}`, { scope }, { status: 403 });
}

/** 429: over the key's requests per minute; the errors filter turns `retryAfterSeconds` into Retry-After. */
export function rateLimited(limit: number, retryAfterSeconds: number): TeroError {
  return new TeroError(API_ERRORS.rateLimited, `this API key is limited to ${limit} requests a minute; retry in ${retryAfterSeconds} s`, { limit, retryAfterSeconds }, { status: 429 });
}

/** 400: a query parameter the route does not take (refused, not ignored: a misspelt filter would return everything). */
export function unknownParameter(name: string, allowed: readonly string[]): TeroError {
  const shown = name.slice(0, 40);
  return new TeroError(API_ERRORS.unknownParameter, `unknown parameter "${shown}"; this route takes ${allowed.join(', ')}`, { name: shown, allowed: allowed.join(', ') }, { status: 400 });
}

/** 400: a known parameter with a value it cannot take. */
export function badParameter(name: string, reason: string): TeroError {
  return new TeroError(API_ERRORS.badParameter, `${name}: ${reason}`, { name, reason }, { status: 400 });
}

export function badCursor(): TeroError {
  return new TeroError(API_ERRORS.badCursor, 'cursor: not a cursor this list gave out; start again without it', {}, { status: 400 });
}

export function callNotFound(): TeroError {
  return new TeroError(API_ERRORS.callNotFound, 'no such call for this client', {}, { status: 404 });
}
