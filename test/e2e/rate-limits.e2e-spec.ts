import { PromptVersion, User } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import request from 'supertest';
import { type TestApp, bearer, createTestApp, signIn, testBackend } from './create-test-app';

jest.setTimeout(120_000);

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const decode = (html: string) => html.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/**
 * The limits on what a caller can make the instance spend, on the real app with limits set low: "talk to
 * your agent" messages, test-call moves (the API's and the setup wizard's, one count per client), scenario
 * runs, and failed API-key authentications per address. Each refusal is a 429 with Retry-After and words in
 * the reader's language, and each limit is its client's (or address's) own.
 */
describe(`rate limits on spending (${testBackend().db})`, () => {
  let t: TestApp;
  let ctx: TenantContext;
  let ownerCookie: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { AGENT_TALK_RATE_LIMIT: '2', TEST_CALL_RATE_LIMIT: '2', SCENARIO_RUN_RATE_LIMIT: '1', API_KEY_FAILURE_RATE_LIMIT: '3', TRUST_PROXY: 'true' },
    });
    const resolved = await t.kernel.resolver.resolve(t.logins.owner.host);
    if (resolved?.kind !== 'client') throw new Error('demo client not found');
    ctx = { brandId: resolved.brand.id, clientId: resolved.client.id, locale: 'en', requestId: 'e2e' };
    ownerCookie = await signIn(t, t.logins.owner);
  });
  afterAll(async () => {
    await t?.close();
  });

  const host = () => t.logins.owner.host;
  const page = (path: string) => t.http(host()).get(path).set('Cookie', ownerCookie).set('Accept', 'text/html');
  async function post(path: string, fields: Record<string, string>, from = '/agent/prompt') {
    const form = await page(from);
    return t.http(host()).post(path).set('Cookie', ownerCookie).set('Accept', 'text/html').type('form').send({ locale: 'en', ...fields, _csrf: csrfOf(form.text) });
  }
  const retryAfter = (res: { headers: Record<string, unknown> }) => Number(res.headers['retry-after']);

  it('answers two messages to the agent, then refuses the third with Retry-After and the reason', async () => {
    for (const text of ['What are your opening hours?', 'Thank you']) expect((await post('/agent/prompt/talk', { use: 'published', text })).status).toBe(200);
    const refused = await post('/agent/prompt/talk', { use: 'published', text: 'One more?' });
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBeGreaterThan(0);
    expect(retryAfter(refused)).toBeLessThanOrEqual(3600);
    expect(decode(refused.text)).toContain(`You have sent your agent 2 messages in a short time. Try again in ${retryAfter(refused)} seconds.`);
    expect(refused.text).not.toContain('One more?');
    // Another client's owner still talks to its own agent.
    const harbor = await signIn(t, t.logins.harborOwner);
    const form = await t.http(t.logins.harborOwner.host).get('/agent/prompt').set('Cookie', harbor).set('Accept', 'text/html');
    const other = await t.http(t.logins.harborOwner.host).post('/agent/prompt/talk').set('Cookie', harbor).set('Accept', 'text/html').type('form').send({ locale: 'en', use: 'published', text: 'Hello', _csrf: csrfOf(form.text) });
    expect(other.status).toBe(200);
  });

  it('runs the scenarios once, then refuses another run in the window (in Spanish for a Spanish reader)', async () => {
    const author = { userId: null, name: 'E2E script' };
    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', systemPrompt: (await t.kernel.prompts.current(ctx, 'en')).templates.systemPrompt, greeting: 'Draft hello from {{agent.name}}.' });
    expect((await post('/agent/prompt/scenarios', {})).status).toBe(303);
    await t.kernel.jobs.drain();
    const draft = await t.kernel.db.forTenant(ctx).findOneOrFail(PromptVersion, { client: ctx.clientId, locale: 'en', slot: 'draft' } as never);
    expect(draft.scenarioReport?.state).toBe('done');
    const form = await page('/agent/prompt');
    const refused = await t.http(host()).post('/agent/prompt/scenarios?lang=es').set('Cookie', ownerCookie).set('Accept', 'text/html').type('form').send({ locale: 'en', _csrf: csrfOf(form.text) });
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBeGreaterThan(0);
    expect(decode(refused.text)).toContain(`Ha alcanzado el límite de 1 ejecuciones de escenarios en poco tiempo. Vuelva a intentarlo en ${retryAfter(refused)} segundos.`);
    await t.kernel.jobs.drain();
    const after = await t.kernel.db.forTenant(ctx).findOneOrFail(PromptVersion, { id: draft.id }, { refresh: true });
    expect(after.scenarioReport?.startedAt).toBe(draft.scenarioReport?.startedAt);
  });

  it('counts the API’s and the setup wizard’s test calls of a client together, and each client apart', async () => {
    const server = t.app.getHttpServer();
    const auth = await bearer(t, t.logins.owner);
    const start = (login: { host: string }, authorization: string) => request(server).post('/api/v1/agent/test-calls').set('Host', login.host).set('Authorization', authorization).send({});
    for (let i = 0; i < 2; i++) expect((await start(t.logins.owner, auth)).status).toBe(201);
    const refused = await start(t.logins.owner, auth);
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBeGreaterThan(0);
    expect(refused.body.error).toEqual({ code: 'rate.test_call', message: `Your test calls have reached 2 moves in a short time. Try again in ${retryAfter(refused)} seconds.` });

    // The wizard's test call draws on the same count (the demo client is given a wizard to show its page).
    const owner = await t.kernel.db.forTenant(ctx).findOneOrFail(User, { email: t.logins.owner.email });
    await t.kernel.wizard.begin(ctx, { userId: owner.id });
    const wizard = await post('/setup/testCall/start', { version: '1' }, '/setup/testCall');
    expect(wizard.status).toBe(429);
    expect(retryAfter(wizard)).toBeGreaterThan(0);
    expect(decode(wizard.text)).toContain('Your test calls have reached 2 moves in a short time.');

    // Another business of the instance is not held back by this one's calls.
    expect((await start(t.logins.harborOwner, await bearer(t, t.logins.harborOwner))).status).toBe(201);
  });

  it('refuses an address that failed three API-key checks, even with a good key, until the window ends; other addresses go on', async () => {
    const { key } = await t.kernel.apiKeys.create(ctx, { userId: null, name: 'E2E' }, { name: 'Rate limits', scopes: ['calls:read'] });
    const api = (authorization: string, ip: string) => t.http(host()).get('/api/v1/calls?limit=1').set('Authorization', authorization).set('X-Forwarded-For', ip);
    expect((await api(`Bearer ${key}`, '203.0.113.7')).status).toBe(200);
    for (const bad of [`Bearer tero_live_00000000_${'A'.repeat(43)}`, 'Bearer nonsense', `Bearer ${key.slice(0, -2)}xx`]) expect((await api(bad, '203.0.113.7')).status).toBe(401);
    const refused = await api(`Bearer ${key}`, '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBeGreaterThan(0);
    expect(retryAfter(refused)).toBeLessThanOrEqual(900);
    expect(refused.body.error.code).toBe('rate.api_key_failures');
    expect(refused.body.error.message).toBe(`Too many failed API-key attempts from your address. Try again in ${retryAfter(refused)} seconds.`);
    const french = await api(`Bearer ${key}`, '203.0.113.7').set('Accept-Language', 'fr');
    expect(french.status).toBe(429);
    expect(french.body.error.message).toContain('Trop de tentatives de clé d’API échouées depuis votre adresse.');
    expect((await api(`Bearer ${key}`, '198.51.100.4')).status).toBe(200);
  });
});
