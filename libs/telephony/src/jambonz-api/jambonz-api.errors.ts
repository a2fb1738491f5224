import { TeroError } from '@tero/sdk';

/** The codes a {@link JambonzApiError} carries; each has a message under `errors:jambonz.*` in the locales. */
export const JAMBONZ_API_ERRORS = {
  /** 401: the API key is missing, wrong or revoked. */
  unauthorized: 'jambonz.unauthorized',
  /** 403: the key may not act on that account. */
  forbidden: 'jambonz.forbidden',
  /** 404: no such sid (or not visible to this key). */
  notFound: 'jambonz.not_found',
  /** 400, 422 and other 4xx: jambonz refused what we sent. */
  rejected: 'jambonz.rejected',
  /** 5xx, 429, an unreachable host, a reset connection, or an answer that is not what the API sends. */
  unavailable: 'jambonz.unavailable',
  /** No answer within the client's time limit. */
  timeout: 'jambonz.timeout',
} as const;
export type JambonzApiErrorCode = (typeof JAMBONZ_API_ERRORS)[keyof typeof JAMBONZ_API_ERRORS];

/** Enough of jambonz's error text for a log line or a status column. */
const DETAIL_LIMIT = 300;

export interface JambonzApiErrorInit {
  /** jambonz's HTTP status; 0 when it did not answer. */
  status: number;
  /** `METHOD /v1/path` (no query, no key). */
  endpoint: string;
  /** jambonz's own words: `msg` (or `message`) of its body, or its text. */
  jambonzMessage?: string;
  /** Why there was no answer (network error, timeout). */
  reason?: string;
  cause?: unknown;
}

/**
 * A jambonz API call that did not succeed. `status` is jambonz's HTTP status (0: no answer);
 * `retryable` says whether the same call may succeed later (5xx, 429, network, timeout) or not (4xx).
 * As a {@link TeroError} it answers our own callers 502 (jambonz refused), 422 (jambonz refused what
 * was sent as invalid), 503 or 504 (jambonz unavailable, or silent).
 */
export class JambonzApiError extends TeroError {
  readonly status: number;
  readonly endpoint: string;
  /** jambonz's `msg` (or `message`), when it gave one. */
  readonly jambonzMessage?: string;

  constructor(code: JambonzApiErrorCode, init: JambonzApiErrorInit) {
    const detail = (init.jambonzMessage ?? init.reason ?? '').slice(0, DETAIL_LIMIT);
    const retryable = code === JAMBONZ_API_ERRORS.unavailable || code === JAMBONZ_API_ERRORS.timeout;
    const what = init.status ? `jambonz answered ${init.status} to ${init.endpoint}` : `jambonz did not answer ${init.endpoint}`;
    super(code, detail ? `${what}: ${detail}` : what, { status: init.status, endpoint: init.endpoint, detail }, {
      cause: init.cause,
      retryable,
      status: httpStatusFor(code),
    });
    this.name = 'JambonzApiError';
    this.status = init.status;
    this.endpoint = init.endpoint;
    this.jambonzMessage = init.jambonzMessage;
  }
}

function httpStatusFor(code: JambonzApiErrorCode): number {
  switch (code) {
    case JAMBONZ_API_ERRORS.rejected:
      return 422;
    case JAMBONZ_API_ERRORS.unavailable:
      return 503;
    case JAMBONZ_API_ERRORS.timeout:
      return 504;
    default:
      return 502;
  }
}

/** The code for a jambonz HTTP status that is not a success. */
export function jambonzErrorCodeFor(status: number): JambonzApiErrorCode {
  if (status === 401) return JAMBONZ_API_ERRORS.unauthorized;
  if (status === 403) return JAMBONZ_API_ERRORS.forbidden;
  if (status === 404) return JAMBONZ_API_ERRORS.notFound;
  if (status === 429 || status >= 500) return JAMBONZ_API_ERRORS.unavailable;
  return JAMBONZ_API_ERRORS.rejected;
}

/** Whether an error is jambonz answering 404 (the sid is gone). */
export function isJambonzNotFound(error: unknown): error is JambonzApiError {
  return error instanceof JambonzApiError && error.status === 404;
}
