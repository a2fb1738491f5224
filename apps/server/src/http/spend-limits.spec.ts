import { MemoryRateLimiter } from '@tero/core';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitExceededError, admitSpend, authenticateLimited } from './spend-limits';

const config = {
  AGENT_TALK_RATE_LIMIT: 2,
  TEST_CALL_RATE_LIMIT: 3,
  SCENARIO_RUN_RATE_LIMIT: 1,
  SPEND_RATE_WINDOW_SECONDS: 600,
  API_KEY_FAILURE_RATE_LIMIT: 2,
  API_KEY_FAILURE_RATE_WINDOW_SECONDS: 900,
};
const ctxOf = (clientId: string): TenantContext => ({ brandId: 'b', clientId, locale: 'en' });
const requestFrom = (ip: string) => ({ ip }) as FastifyRequest;
const unauthorized = () => new TeroError('analytics.api_key_invalid', 'invalid key', {}, { status: 401 });

describe('admitSpend', () => {
  it('counts each action of each client on its own and refuses over the limit with the seconds to wait', async () => {
    const deps = { limiter: new MemoryRateLimiter(), config };
    await admitSpend(deps, ctxOf('a'), 'agent_talk');
    await admitSpend(deps, ctxOf('a'), 'agent_talk');
    await admitSpend(deps, ctxOf('a'), 'scenario_run');
    await admitSpend(deps, ctxOf('b'), 'agent_talk');
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) } as unknown as FastifyReply;
    const refusal = await admitSpend(deps, ctxOf('a'), 'agent_talk', reply).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimitExceededError);
    expect(refusal).toMatchObject({ code: 'rate.agent_talk', params: { limit: 2, retryAfterSeconds: 600 }, options: { status: 429 } });
    expect(headers['retry-after']).toBe('600');
  });
});

describe('authenticateLimited', () => {
  it('counts 401s per address and then refuses before authenticating, a good key included', async () => {
    const deps = { limiter: new MemoryRateLimiter(), config };
    let tried = 0;
    const failing = () => {
      tried++;
      return Promise.reject(unauthorized());
    };
    for (let i = 0; i < 2; i++) await expect(authenticateLimited(deps, requestFrom('10.0.0.1'), failing)).rejects.toMatchObject({ code: 'analytics.api_key_invalid' });
    await expect(authenticateLimited(deps, requestFrom('10.0.0.1'), async () => 'principal')).rejects.toMatchObject({ code: 'rate.api_key_failures', params: { retryAfterSeconds: 900 } });
    expect(tried).toBe(2);
    await expect(authenticateLimited(deps, requestFrom('10.0.0.2'), async () => 'principal')).resolves.toBe('principal');
  });

  it('does not count what is not a failed authentication (a database error, a success)', async () => {
    const deps = { limiter: new MemoryRateLimiter(), config };
    for (let i = 0; i < 3; i++) await expect(authenticateLimited(deps, requestFrom('10.0.0.3'), () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    for (let i = 0; i < 3; i++) await expect(authenticateLimited(deps, requestFrom('10.0.0.3'), async () => 'principal')).resolves.toBe('principal');
    expect((await deps.limiter.peek('api-key-failures:ip:10.0.0.3')).count).toBe(0);
  });
});
