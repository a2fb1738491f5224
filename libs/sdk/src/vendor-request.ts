import { TeroError } from './errors';

/** How a plugin names a vendor that could not be reached, or answered something unreadable: always retryable. */
export interface VendorFailure {
  /** The vendor as people call it (`Cartesia`), for messages and logs. */
  vendor: string;
  /** The port's code for "try later" (`voice.unavailable`), thrown with status 503 and `retryable`. */
  code: string;
  /** Called with each failure before it is thrown, so that the plugin logs it once, with its tenant. */
  onFailure?: (error: TeroError) => void;
}

/** One HTTP exchange with a vendor's API. */
export interface VendorRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A FormData goes as multipart; another object as JSON (with its content type); none sends no body. */
  body?: FormData | object;
  /** Bounds the whole exchange: the wait for the answer and the reading of its body. */
  timeoutMs: number;
  failure: VendorFailure;
}

/** A vendor's answer, whatever its status, read whole. */
export interface VendorAnswer {
  status: number;
  /** A 2xx status. */
  ok: boolean;
  bytes: Uint8Array;
  /** The body as UTF-8 text (an error's reason, usually). */
  text(): string;
  /** The body as JSON; a body that is not JSON throws the request's retryable failure. */
  json(): unknown;
}

/**
 * Sends one request to a vendor with `fetch` and reads its answer whole under the same timeout (vendor
 * answers a plugin reads this way are small: JSON, or seconds of audio). A timeout, a refused or reset
 * connection, or a body that breaks off becomes the caller's retryable error (`failure.code`, status 503)
 * saying which; a non-2xx answer is returned as it is, for the plugin to read in its port's terms.
 */
export async function vendorRequest(request: VendorRequest): Promise<VendorAnswer> {
  const { failure, timeoutMs } = request;
  const headers: Record<string, string> = { ...request.headers };
  let payload: FormData | string | undefined;
  if (request.body instanceof FormData) payload = request.body;
  else if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(request.body);
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number;
  let bytes: Uint8Array;
  try {
    const response = await fetch(request.url, { method: request.method, headers, body: payload, signal });
    status = response.status;
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (signal.aborted) throw failed(failure, `${failure.vendor} did not answer within ${timeoutMs} ms`, { reason: `timeout after ${timeoutMs} ms`, timeoutMs }, error);
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw failed(failure, `${failure.vendor} unreachable: ${reason}`, { reason }, error);
  }
  const text = () => new TextDecoder().decode(bytes);
  return {
    status,
    ok: status >= 200 && status < 300,
    bytes,
    text,
    json() {
      try {
        return JSON.parse(text());
      } catch {
        throw failed(failure, `${failure.vendor} answered something that is not JSON`, { reason: 'answer is not JSON' }, undefined);
      }
    },
  };
}

function failed(failure: VendorFailure, message: string, params: Record<string, string | number>, cause: unknown): TeroError {
  const error = new TeroError(failure.code, message, params, { cause, retryable: true, status: 503 });
  failure.onFailure?.(error);
  return error;
}
