import type { RateLimiter, InstanceConfig } from '@tero/core';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a client's people can make the instance pay for, one request at a time (LLM answers, agent turns). */
export type SpendAction = 'agent_talk' | 'test_call' | 'scenario_run';

type LimitSettings = Pick<
  InstanceConfig,
  'AGENT_TALK_RATE_LIMIT' | 'TEST_CALL_RATE_LIMIT' | 'SCENARIO_RUN_RATE_LIMIT' | 'SPEND_RATE_WINDOW_SECONDS' | 'API_KEY_FAILURE_RATE_LIMIT' | 'API_KEY_FAILURE_RATE_WINDOW_SECONDS'
>;

/** 429 with the seconds to wait (the error filter and the page controllers send them as Retry-After). */
export class RateLimitExceededError extends TeroError {
  constructor(what: SpendAction | 'api_key_failures', limit: number, readonly retryAfterSeconds: number) {
    super(`rate.${what}`, `over the limit of ${limit} ${what.replace(/_/g, ' ')} requests; retry in ${retryAfterSeconds} s`, { limit, retryAfterSeconds }, { status: 429 });
  }
}

const LIMIT_OF: Record<SpendAction, keyof LimitSettings> = {
  agent_talk: 'AGENT_TALK_RATE_LIMIT',
  test_call: 'TEST_CALL_RATE_LIMIT',
  scenario_run: 'SCENARIO_RUN_RATE_LIMIT',
};

/**
 * Counts one `action` of the context's client against its limit (per client, across replicas through the
 * shared limiter) and refuses it over the limit, before anything is spent. The refusal's Retry-After is set
 * on `reply` when given, for the pages that answer a refusal with their own form rather than the error filter.
 */
export async function admitSpend(deps: { limiter: RateLimiter; config: LimitSettings }, ctx: TenantContext, action: SpendAction, reply?: FastifyReply): Promise<void> {
  const limit = deps.config[LIMIT_OF[action]];
  const result = await deps.limiter.hit(`spend:${action}:${ctx.clientId ?? ctx.brandId}`, limit, deps.config.SPEND_RATE_WINDOW_SECONDS);
  if (result.allowed) return;
  reply?.header('retry-after', String(result.retryAfterSeconds));
  throw new RateLimitExceededError(action, limit, result.retryAfterSeconds);
}

/**
 * Runs an API-key authentication under the per-IP limit on failures: an address that failed
 * API_KEY_FAILURE_RATE_LIMIT times in the window is refused (429) before its key is even looked at, so
 * guessing keys stops paying off and a right guess is not told apart from a wrong one meanwhile.
 */
export async function authenticateLimited<T>(deps: { limiter: RateLimiter; config: LimitSettings }, request: FastifyRequest, authenticate: () => Promise<T>): Promise<T> {
  const key = `api-key-failures:ip:${request.ip}`;
  const limit = deps.config.API_KEY_FAILURE_RATE_LIMIT;
  const seen = await deps.limiter.peek(key);
  if (seen.count >= limit) throw new RateLimitExceededError('api_key_failures', limit, seen.retryAfterSeconds);
  try {
    return await authenticate();
  } catch (error) {
    if (error instanceof TeroError && error.options.status === 401) await deps.limiter.hit(key, limit, deps.config.API_KEY_FAILURE_RATE_WINDOW_SECONDS);
    throw error;
  }
}
