import { PAYMENT_ERRORS, TeroError } from '@tero/sdk';
import { isStripeError, stripeErrorType } from './stripe.module';

/** What a log line and the caller may learn about a Stripe refusal; never the key. */
type Params = Record<string, string | number>;

/** A refusal of ours (bad input, an object that cannot be used), before or after asking Stripe. */
export function rejected(message: string, params: Params = {}, cause?: unknown): TeroError {
  return new TeroError(PAYMENT_ERRORS.rejected, message, params, { cause, status: 422, retryable: false });
}

function unavailable(message: string, params: Params, cause: unknown): TeroError {
  return new TeroError(PAYMENT_ERRORS.unavailable, message, params, { cause, status: 502, retryable: true });
}

/**
 * A Stripe SDK failure in port terms. Stripe says what went wrong with an HTTP status and an error
 * type: a card decline (402), an invalid request or unknown object (400/404), a bad or restricted key
 * (401/403) and an idempotency conflict are refusals that the same call will meet again; a network
 * failure, a timeout, a rate limit (429), a lock conflict (409) or a 5xx may pass later.
 */
export function toPaymentError(error: unknown, action: string): TeroError {
  if (error instanceof TeroError) return error;
  if (!isStripeError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return unavailable(`Stripe ${action} failed: ${reason}`, { action, reason }, error);
  }
  const params: Params = { action, stripeType: error.type };
  if (error.statusCode !== undefined) params.status = error.statusCode;
  if (error.code) params.stripeCode = error.code;
  if (error.decline_code) params.declineCode = error.decline_code;
  if (error.param) params.param = error.param;
  if (error.requestId) params.requestId = error.requestId;
  const detail = `Stripe ${action}: ${error.message}`;

  const type = stripeErrorType(error);
  if (type === 'StripeConnectionError') return unavailable(`Stripe unreachable during ${action}: ${error.message}`, params, error);
  if (type === 'StripeRateLimitError') return unavailable(detail, params, error);
  const status = error.statusCode ?? 0;
  if (status === 409 || status >= 500 || type === 'StripeAPIError') return unavailable(detail, params, error);
  return rejected(detail, params, error);
}
