import { randomUUID } from 'node:crypto';
import { AgentProfile, PromptVersion } from '@tero/db';
import type { PromptAuthor } from '@tero/onboarding';
import { TeroError, type TenantContext } from '@tero/sdk';
import { receptionistModel } from '../../libs/conversation/src/llm/testing/receptionist.fake-model';
import { FakeOpenAiServer } from '../../plugins/llm-openai/src/testing';
import { type TestApp, createTestApp, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(120_000);

/**
 * The issue's acceptance for the agent's prompt: edit → history → diff → rollback through the client's
 * page; bad templates (`{{constructor}}` tricks, an unclosed block) refused with line and column; the
 * call's first hook speaking the published greeting, and the next one after a publish; a draft's
 * scenario run (through the LLM engine, over the real llm-openai plugin and a local OpenAI-compatible
 * server whose scripted model reads the system prompt) with passing and failing scenarios; "talk to your
 * agent" keeping its conversation; another client seeing and changing nothing; publishes at the same moment
 * leaving exactly one version in use. On SQLite, and on PostgreSQL + Redis with `TEST_BACKEND=postgres-redis`.
 */
describe('the agent prompt: history, diff, rollback, tests on a draft', () => {
  let t: TestApp;
  let fake: FakeOpenAiServer;
  let cookie: string;
  let ctx: TenantContext;
  let author: PromptAuthor;
  const host = () => t.logins.owner.host;
  const em = () => t.kernel.db.forInstance('e2e assertions');

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: 'sk-prompts' });
    fake.respondWith((request) => receptionistModel(request));
    t = await createTestApp({ env: { PLUGINS: 'llm-openai', LLM_OPENAI_BASE_URL: fake.baseUrl, LLM_OPENAI_API_KEY: 'sk-prompts', LLM_OPENAI_MODEL: 'receptionist-1' } });
    cookie = await signIn(t, t.logins.owner);
    const resolved = await t.kernel.resolver.resolve(host());
    if (resolved?.kind !== 'client') throw new Error('demo client not found');
    ctx = { brandId: resolved.brand.id, clientId: resolved.client.id, locale: 'en', requestId: 'e2e' };
    author = { userId: null, name: 'E2E script' };
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const page = (path = '/agent/prompt') => t.http(host()).get(path).set('Cookie', cookie).set('Accept', 'text/html');
  async function post(path: string, fields: Record<string, string>) {
    const form = await page();
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
    if (!token) throw new Error('no CSRF token on the prompt page');
    return t.http(host()).post(path).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ locale: 'en', ...fields, _csrf: token });
  }
  const versions = () => em().find(PromptVersion, { client: ctx.clientId }, { orderBy: { number: 'asc' } });
  const attr = (html: string, test: string, name: string) => new RegExp(`data-test="${test}"[^>]*data-${name}="([^"]*)"`).exec(html)?.[1];

  /** The verbs of a new call's first hook. */
  async function firstHook(): Promise<string> {
    const line = t.lines[0]!;
    const res = await postHook(t, 'call', { ...callInfo(line, randomUUID()), call_status: 'trying', sip_status: 100 }, { secret: line.secret });
    expect(res.status).toBe(200);
    expectValidVerbs(res.body, { nonEmpty: true });
    return JSON.stringify(res.body);
  }

  it('shows the pack\'s prompt until the client publishes its own, and says what the built-in engine reads', async () => {
    const res = await page('/agent/prompt?from=setup');
    expect(res.status).toBe(200);
    expect(attr(res.text, 'prompt-status', 'published')).toBe('pack');
    expect(res.text).toContain('data-test="prompt-back-to-setup"');
    expect(res.text).toContain('the system prompt is only read by LLM engines');
    expect(res.text).toContain('You are {{agent.name}}, the virtual receptionist of {{business.name}}');
    expect(await t.kernel.prompts.state(ctx)).toEqual({ customized: false, publishedVersion: null, draft: false });
    const dashboard = await page('/');
    expect(dashboard.text).toContain('href="/agent/prompt"');
  });

  it('refuses {{constructor}} tricks and an unclosed block with their line and column, and saves nothing', async () => {
    const res = await post('/agent/prompt/save', {
      greeting: 'Hello {{constructor}} and {{lookup this "__proto__"}}',
      systemPrompt: 'You are {{agent.name}}.\n{{#each services}}\n- {{name}}\n',
      note: 'bad',
    });
    expect(res.status).toBe(400);
    const issues = [...res.text.matchAll(/data-test="prompt-issue" data-field="(\w+)" data-line="(\d+)" data-column="(\d+)">([^<]*)</g)].map((m) => ({ field: m[1], line: +m[2]!, column: +m[3]!, text: m[4]! }));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'greeting', line: 1, column: 9, text: expect.stringContaining('constructor') }),
        expect.objectContaining({ field: 'greeting', text: expect.stringContaining('lookup') }),
        expect.objectContaining({ field: 'systemPrompt', line: expect.any(Number), text: expect.stringContaining('every block has its end tag') }),
      ]),
    );
    expect(issues.find((i) => i.field === 'systemPrompt')!.line).toBeGreaterThanOrEqual(2);
    // What was typed comes back for correction; nothing was stored.
    expect(res.text).toContain('Hello {{constructor}}');
    expect(await versions()).toHaveLength(0);
    await expect(t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', systemPrompt: '{{#with constructor}}{{name}}{{/with}}', greeting: 'Hi' })).rejects.toMatchObject({ code: 'prompts.invalid_template' });
    expect(await versions()).toHaveLength(0);
  });

  it('edits, publishes, keeps the history, shows a diff, and rolls back as a new version', async () => {
    const pack = await t.kernel.prompts.packTemplates(ctx, 'en');
    const save = (greeting: string, note: string) => post('/agent/prompt/save', { action: 'save', greeting, systemPrompt: pack.systemPrompt, note });

    expect((await save('Thanks for calling {{business.name}}, this is {{agent.name}}. How can I help?', 'first words')).status).toBe(303);
    let res = await page();
    expect(attr(res.text, 'prompt-status', 'draft')).toBe('1');
    expect(res.text).toContain('data-test="prompt-scenarios-not-run"');
    expect((await post('/agent/prompt/publish', {})).status).toBe(303);

    expect((await save('Good day, {{business.name}}. {{agent.name}} speaking.\nHow may I help?', 'shorter')).status).toBe(303);
    expect((await post('/agent/prompt/publish', {})).status).toBe(303);
    res = await page();
    expect(attr(res.text, 'prompt-status', 'published')).toBe('2');
    const rows = [...res.text.matchAll(/data-test="prompt-version" data-number="(\d+)" data-status="(\w+)"/g)].map((m) => [+m[1]!, m[2]]);
    expect(rows).toEqual([
      [2, 'published'],
      [1, 'superseded'],
    ]);
    const saved = await versions();
    expect(saved[1]!.author).toBeTruthy();
    expect(saved[1]!.authorName.length).toBeGreaterThan(0);
    expect(res.text).toContain(`<td>${saved[1]!.authorName}</td>`);
    expect(res.text).toContain('shorter');

    const diff = await page('/agent/prompt/diff?locale=en&from=1&to=2');
    expect(diff.status).toBe(200);
    expect(diff.text).toContain('- Thanks for calling {{business.name}}, this is {{agent.name}}. How can I help?');
    expect(diff.text).toContain('+ Good day, {{business.name}}. {{agent.name}} speaking.');
    expect(diff.text).toContain('+ How may I help?');
    expect(diff.text).toContain('data-kind="changed"');
    // The system prompt did not change between them.
    expect(diff.text).toContain('No change.');
    expect((await page('/agent/prompt/diff?locale=en&from=1&to=99')).status).toBe(404);

    expect((await post('/agent/prompt/rollback', { number: '1', note: 'back to the first words' })).status).toBe(303);
    const all = await versions();
    expect(all.map((v) => [v.number, v.status, v.copiedFrom ?? null])).toEqual([
      [1, 'superseded', null],
      [2, 'superseded', null],
      [3, 'published', 1],
    ]);
    expect(all[2]!.greeting).toBe(all[0]!.greeting);
    expect(all[2]!.authorName).toBe(all[0]!.authorName);
    expect(await t.kernel.prompts.state(ctx)).toEqual({ customized: true, publishedVersion: 3, draft: false });
    // Rolling back to the version in use is refused, and changes nothing.
    const again = await post('/agent/prompt/rollback', { number: '3' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already the one in use');
    expect(await versions()).toHaveLength(3);
  });

  it('speaks the published greeting on the call\'s first hook, and the newly published one on the next call', async () => {
    expect(await firstHook()).toContain('Thanks for calling Bright Smile Dental, this is');
    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', systemPrompt: (await t.kernel.prompts.current(ctx, 'en')).templates.systemPrompt, greeting: 'Bright news from {{business.name}}!' });
    // A draft is not used by calls.
    expect(await firstHook()).toContain('Thanks for calling Bright Smile Dental');
    await t.kernel.prompts.publish(ctx, 'en');
    expect(await firstHook()).toContain('Bright news from Bright Smile Dental!');
  });

  it('talks to the agent with the draft, keeping the conversation across messages', async () => {
    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', systemPrompt: (await t.kernel.prompts.current(ctx, 'en')).templates.systemPrompt, greeting: 'Draft hello from {{agent.name}}.' });
    let res = await post('/agent/prompt/talk', { use: 'draft', text: 'What are your opening hours?' });
    expect(res.status).toBe(200);
    const sessionId = /name="sessionId" value="([^"]+)"/.exec(res.text)?.[1];
    expect(sessionId).toBeTruthy();
    const lines = (html: string) => [...html.matchAll(/data-test="prompt-talk-line" data-speaker="(\w+)"><strong>[^<]*<\/strong> ([^<]*)</g)].map((m) => [m[1], m[2]]);
    let said = lines(res.text);
    expect(said[0]).toEqual(['agent', expect.stringContaining('Draft hello from')]);
    expect(said[1]).toEqual(['caller', 'What are your opening hours?']);
    expect(said[2]![0]).toBe('agent');
    expect(said[2]![1]!.length).toBeGreaterThan(0);

    res = await post('/agent/prompt/talk', { use: 'draft', sessionId: sessionId!, text: 'Thank you' });
    said = lines(res.text);
    expect(said.length).toBe(5);
    expect(/name="sessionId" value="([^"]+)"/.exec(res.text)?.[1]).toBe(sessionId);
    // The published prompt speaks its own greeting.
    res = await post('/agent/prompt/talk', { use: 'published', text: 'Hello' });
    expect(lines(res.text)[0]).toEqual(['agent', expect.stringContaining('Bright news from Bright Smile Dental!')]);
  });

  it('runs the pack\'s scenarios on a draft as a job: the scenarios the draft breaks fail, the others pass, and it can still be published', async () => {
    await em().nativeUpdate(AgentProfile, { client: ctx.clientId }, { engine: 'llm-openai', updatedAt: new Date() });
    t.kernel.telephony.directory.invalidate();
    const pack = await t.kernel.prompts.packTemplates(ctx, 'en');
    // The draft drops the questions and answers: a model that reads its prompt can no longer answer them.
    const start = pack.systemPrompt.indexOf('## Questions you can answer');
    const end = pack.systemPrompt.indexOf('## Medical questions');
    expect(start).toBeGreaterThan(0);
    const broken = pack.systemPrompt.slice(0, start) + pack.systemPrompt.slice(end);
    expect((await post('/agent/prompt/save', { action: 'save', greeting: pack.greeting, systemPrompt: broken, note: 'no FAQ' })).status).toBe(303);
    let res = await page();
    expect(res.text).toContain('follows the system prompt');

    expect((await post('/agent/prompt/scenarios', {})).status).toBe(303);
    await t.kernel.jobs.drain();
    res = await page();
    expect(attr(res.text, 'prompt-scenarios', 'state')).toBe('done');
    const results = Object.fromEntries([...res.text.matchAll(/data-test="prompt-scenario" data-scenario="([^"]+)" data-passed="(yes|no)"/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(results).sort()).toEqual(['en-book-cleaning', 'en-emergency-knocked-out-tooth', 'en-faq-insurance', 'en-message-billing', 'en-reschedule-exam']);
    expect(results['en-faq-insurance']).toBe('no');
    expect(results['en-book-cleaning']).toBe('yes');
    expect(res.text).toContain('data-test="prompt-scenarios-failed-warning"');
    const report = (await em().findOneOrFail(PromptVersion, { client: ctx.clientId, slot: 'draft' })).scenarioReport!;
    expect(report).toMatchObject({ state: 'done', engineId: 'llm-openai', total: 5 });
    expect(report.results.find((r) => r.scenarioId === 'en-faq-insurance')!.misses.join(' ')).toContain('insurance');

    // The pack's own prompt passes the scenario the broken draft failed.
    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', systemPrompt: pack.systemPrompt, greeting: pack.greeting, note: 'FAQ back' });
    expect((await em().findOneOrFail(PromptVersion, { client: ctx.clientId, slot: 'draft' })).scenarioReport).toBeNull();
    await t.kernel.prompts.runScenarios(ctx, 'en');
    await t.kernel.jobs.drain();
    const fixed = (await em().findOneOrFail(PromptVersion, { client: ctx.clientId, slot: 'draft' })).scenarioReport!;
    expect(fixed.results.find((r) => r.scenarioId === 'en-faq-insurance')!.passed).toBe(true);

    // Back to the broken draft: publishing it is allowed, the page said what failed.
    await post('/agent/prompt/save', { action: 'save', greeting: pack.greeting, systemPrompt: broken, note: 'no FAQ' });
    await post('/agent/prompt/scenarios', {});
    await t.kernel.jobs.drain();
    expect((await post('/agent/prompt/publish', {})).status).toBe(303);
    const published = await em().findOneOrFail(PromptVersion, { client: ctx.clientId, slot: 'published' });
    expect(published.systemPrompt).toBe(broken);
    expect(published.scenarioReport?.state).toBe('done');
  });

  it('publishes a draft once when two publishes race, and keeps exactly one version in use when a rollback races a publish', async () => {
    const current = (await t.kernel.prompts.current(ctx, 'en')).templates;
    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', ...current, greeting: 'Race one.' });
    const outcomes = await Promise.allSettled([t.kernel.prompts.publish(ctx, 'en'), t.kernel.prompts.publish(ctx, 'en')]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(TeroError);
    expect((refused.reason as TeroError).code).toMatch(/^prompts\.(already_published|no_draft)$/);
    expect(await em().count(PromptVersion, { client: ctx.clientId, status: 'published' })).toBe(1);
    // The same through the page: the second publish is a clear refusal.
    const twice = await post('/agent/prompt/publish', {});
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('There is no draft for this language.');

    await t.kernel.prompts.saveDraft(ctx, author, { locale: 'en', ...current, greeting: 'Race two.' });
    const raced = await Promise.allSettled([t.kernel.prompts.publish(ctx, 'en'), t.kernel.prompts.rollback(ctx, author, { locale: 'en', number: 1 })]);
    expect(raced.every((o) => o.status === 'fulfilled')).toBe(true);
    const published = await em().find(PromptVersion, { client: ctx.clientId, status: 'published' });
    expect(published).toHaveLength(1);
    expect(await em().count(PromptVersion, { client: ctx.clientId, slot: 'published' })).toBe(1);
    const numbers = (await versions()).map((v) => v.number);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('shows and changes nothing of another client\'s prompt', async () => {
    const harborCookie = await signIn(t, t.logins.harborOwner);
    const harborHost = t.logins.harborOwner.host;
    const res = await t.http(harborHost).get('/agent/prompt').set('Cookie', harborCookie).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('Bright news');
    expect(res.text).not.toContain('data-test="prompt-version"');
    const harbor = await t.kernel.resolver.resolve(harborHost);
    if (harbor?.kind !== 'client') throw new Error('harbor client not found');
    const other: TenantContext = { brandId: harbor.brand.id, clientId: harbor.client.id, locale: 'en', requestId: 'e2e-other' };
    expect(await t.kernel.prompts.history(other, 'en')).toEqual([]);
    await expect(t.kernel.prompts.rollback(other, author, { locale: 'en', number: 1 })).rejects.toMatchObject({ code: 'prompts.version_not_found' });
    await expect(t.kernel.prompts.diff(other, 'en', 1, 2)).rejects.toMatchObject({ code: 'prompts.version_not_found' });
    expect(await t.kernel.db.forTenant(other).count(PromptVersion, {})).toBe(0);
    // A client staff or another client's owner cannot open Bright Smile's page with its own session.
    const cross = await t.http(host()).get('/agent/prompt').set('Cookie', harborCookie).set('Accept', 'text/html');
    expect(cross.status).not.toBe(200);
    const before = await versions();
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
    const write = await t.http(host()).post('/agent/prompt/rollback').set('Cookie', harborCookie).type('form').send({ locale: 'en', number: '1', _csrf: token });
    // Its session does not hold on this host: it is sent to sign in, and nothing changes.
    expect(write.headers.location ?? '').not.toContain('done=');
    expect(await versions()).toEqual(before);
  });
});
