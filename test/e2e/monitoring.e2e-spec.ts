import { randomUUID } from 'node:crypto';
import { Brand, Client, JambonzAlert, JambonzCallRecord, JambonzConnection } from '@tero/db';
import { FakeJambonzServer } from '../../libs/telephony/src/testing/fake-jambonz.server';
import { type TestApp, createTestApp, signIn } from './create-test-app';
import { callInfo, postHook } from './jambonz-hook-requests';

jest.setTimeout(90_000);

const METRICS_TOKEN = 'metrics-e2e-token-0123456789abcdef';
const MIN = 60_000;
const speech = (transcript: string, sttLatencyMs: number) => ({ reason: 'speechDetected', stt_latency_ms: sttLatencyMs, speech: { is_final: true, alternatives: [{ transcript, confidence: 0.93 }] } });

/** The plots' JSON the page embeds for its script. */
function plotsOf(html: string): { locale: string; plots: { id: string; kind: string; x: number[]; series: { label: string; values: (number | null)[] }[] }[] } {
  const match = /<script type="application\/json" id="monitoring-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no plot data on the page');
  return JSON.parse(match[1]!);
}

/** The value of one sample of a Prometheus exposition, labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const testId = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1];

describe('monitoring: jambonz records ingested, the pages, /metrics, operator alerts', () => {
  let t: TestApp;
  let fake: FakeJambonzServer;
  let demoId: string;
  let harborId: string;
  let operator: string;
  let admin: string;
  let harborAdmin: string;
  const harborAdminLogin = { email: 'admin@harbor.example', password: `pw-${randomUUID()}`, host: '' };
  const hostless = '10.0.0.5:3000';

  beforeAll(async () => {
    fake = await FakeJambonzServer.start();
    t = await createTestApp({ env: { METRICS_TOKEN } });
    const em = t.kernel.db.forInstance('e2e setup');
    const demo = await em.findOneOrFail(Brand, { slug: 'demo' });
    const harbor = await em.findOneOrFail(Brand, { slug: 'harbor' });
    demoId = demo.id;
    harborId = harbor.id;
    harborAdminLogin.host = `harbor.${t.kernel.config.BASE_DOMAIN}`;
    await t.kernel.accounts.createUser({ brandId: harbor.id, clientId: null, locale: 'es' }, { email: harborAdminLogin.email, name: 'Hugo Harbor', role: 'brand_admin', password: harborAdminLogin.password });

    // The demo brand's jambonz: its account in the fake, connected as the brand admin would (the key checked
    // against jambonz and stored encrypted by the provisioning service, which monitoring then decrypts).
    const account = fake.seedAccount({ name: 'Demo Voice' });
    await t.kernel.provisioning.connections.set({ brandId: demo.id, clientId: null, locale: 'en' }, { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey });
    const now = Date.now();
    const number = t.lines[0]!.number.replace('+', ''); // jambonz keeps numbers without their +
    // acme-sip answers 3 of 12 in the last hour (25 %: below the 50 % threshold with more than 10 attempts);
    // good-sip answers all 5; one call to a number no client holds; one whose carrier name tries to break out of the page.
    fake.seedRecentCalls(account.accountSid, [
      ...Array.from({ length: 12 }, (_, i) => ({ call_sid: `acme-${i}`, from: `1555777${String(i).padStart(4, '0')}`, to: number, trunk: 'acme-sip', sip_status: i < 3 ? 200 : i < 8 ? 486 : 503, answered: i < 3, duration: i < 3 ? 60 : 0, attempted_at: now - (5 + i) * MIN })),
      ...Array.from({ length: 5 }, (_, i) => ({ call_sid: `good-${i}`, from: `1555888${String(i).padStart(4, '0')}`, to: number, trunk: 'good-sip', sip_status: 200, answered: true, duration: 120, attempted_at: now - (3 * 60 + i) * MIN })),
      { call_sid: 'stray-1', from: '15559990000', to: '15550000001', trunk: 'good-sip', sip_status: 404, answered: false, attempted_at: now - 30 * MIN },
      { call_sid: 'odd-1', from: '15559990001', to: number, trunk: '</script><script>alert(1)</script>', sip_status: 200, answered: true, duration: 10, attempted_at: now - 40 * MIN },
    ]);
    fake.seedAlerts(account.accountSid, [
      ...Array.from({ length: 11 }, (_, i) => ({ alert_type: 'webhook-failure', url: 'https://tero.example/hooks/jambonz/turn', status: 500, time: now - (i + 1) * 30_000, target_sid: `acme-${i}` })),
      { alert_type: 'tts-failure', vendor: 'elevenlabs', detail: 'quota exceeded', time: now - 20 * MIN },
    ]);

    operator = await signIn(t, t.logins.operator);
    admin = await signIn(t, t.logins.brandAdmin);
    harborAdmin = await signIn(t, { role: 'brand admin (Harbor)', ...harborAdminLogin });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const page = (host: string, path: string, cookie: string) => t.http(host).get(path).set('Cookie', cookie).set('Accept', 'text/html');

  it('answers a few calls: the hooks are timed, and a caller turn carries jambonz’s speech-to-text latency', async () => {
    const line = t.lines[0]!;
    for (const latency of [380, 420]) {
      const info = callInfo(line);
      expect((await postHook(t, 'call', { ...info, call_status: 'trying', sip_status: 100 }, { secret: line.secret })).status).toBe(200);
      expect((await postHook(t, 'turn', { ...info, ...speech('What are your opening hours?', latency) }, { secret: line.secret })).status).toBe(200);
      expect((await postHook(t, 'status', { ...info, call_status: 'completed', duration: 20 }, { secret: line.secret })).status).toBe(200);
    }
    // A forged hook is refused, and timed as a 4xx.
    expect((await postHook(t, 'status', { ...callInfo(line), call_status: 'completed' }, { secret: 'not-the-secret' })).status).toBe(401);
    await t.kernel.telephony.writer.flush();
  });

  it('ingests RecentCalls and Alerts through the minute job, each record once, the client found from the number', async () => {
    const enqueued = await t.kernel.monitoring.sweep();
    expect(enqueued).toHaveLength(1); // only the demo brand is connected
    await t.kernel.jobs.drain();
    const em = t.kernel.db.forTenant({ brandId: demoId, clientId: null, locale: 'en' });
    expect(await em.count(JambonzCallRecord, {})).toBe(19);
    const acme = await em.findOneOrFail(JambonzCallRecord, { callSid: 'acme-0' }, { populate: ['client'] });
    expect(acme.client?.name).toBe('Bright Smile Dental');
    expect((await em.findOneOrFail(JambonzCallRecord, { callSid: 'stray-1' })).client).toBeNull();
    expect((await em.findOneOrFail(JambonzConnection, { brand: demoId })).callsPolledUntil).not.toBeNull();
    // Each webhook failure is about a call (its target sid): the client of that call's number.
    const bright = await em.findOneOrFail(Client, { slug: 'bright-smile' });
    expect(await em.count(JambonzAlert, { client: bright.id, alertType: 'webhook-failure' })).toBe(11);
    expect(await em.count(JambonzAlert, { client: null })).toBe(1);

    // The same records polled again (the next minute's run) change nothing.
    const again = await t.kernel.monitoring.runBrand(demoId);
    expect(again.calls).toMatchObject({ inserted: 0, advanced: true });
    expect(again.alerts).toMatchObject({ inserted: 0, advanced: true });
    expect(await em.count(JambonzCallRecord, {})).toBe(19);
  });

  it('e-mails the operator once about the carrier’s answer ratio and once about the webhook failures, then keeps quiet within the cool-down', async () => {
    await t.kernel.jobs.drain();
    const alerts = async () => (await t.kernel.outbox.list({ limit: 100 })).filter((m) => m.to.includes(t.logins.operator.email));
    const mails = await alerts();
    expect(mails.map((m) => m.subject).sort()).toEqual(['Demo Voice: 11 webhook failures in 15 minutes', 'Demo Voice: carrier acme-sip answers 25% of calls']);
    const asr = await t.kernel.outbox.get(mails.find((m) => m.subject.includes('acme-sip'))!.id);
    expect(asr!.text).toContain('answered 3 of 12 calls (25%)');
    expect(asr!.text).toContain(`/operator/monitoring?brand=${demoId}`);

    const third = await t.kernel.monitoring.runBrand(demoId);
    expect(third.notices.map((n) => [n.condition.kind, n.mailed]).sort()).toEqual([['answer_ratio', false], ['webhook_failures', false]]);
    await t.kernel.jobs.drain();
    expect(await alerts()).toHaveLength(2);
  });

  it('shows the operator every brand’s figures, the plots’ data, and one brand at a time', async () => {
    const res = await page(t.logins.operator.host, '/operator/monitoring', operator);
    expect(res.status).toBe(200);
    expect(testId(res.text, 'summary-calls')).toBe('19');
    expect(testId(res.text, 'summary-answered')).toBe('9');
    expect(testId(res.text, 'summary-webhook-failures')).toBe('11');
    expect(testId(res.text, 'summary-stt')).toBe('380 ms / 420 ms');
    expect(res.text).toContain('acme-sip');
    expect(res.text).toContain('486 × 5, 503 × 4, 200 × 3');
    expect(res.text).toContain('Bright Smile Dental');
    expect(res.text).toMatch(/<td>Bright Smile Dental<\/td>.*?data-testid="client-webhook-failures">11</s);
    expect(res.text).toContain('<option value="all" selected>All brands</option>');
    expect(res.text).toContain('Operators are e-mailed when a carrier answers less than 50%');
    // The carrier name that tries to close the script is shown as text, and the page has only its own scripts.
    expect(res.text).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text.match(/<\/script>/g)).toHaveLength(3);

    const plots = plotsOf(res.text);
    expect(plots.plots.map((p) => p.id)).toEqual(['calls', 'sip', 'webhooks', 'hook-latency']);
    const calls = plots.plots[0]!;
    expect(calls.x).toHaveLength(24);
    expect(calls.series.map((s) => s.label)).toEqual(['Calls', 'Answered', 'ASR %']);
    expect(calls.series[0]!.values.reduce((a, b) => a! + (b ?? 0), 0)).toBe(19);
    expect(plots.plots[2]!.series[0]!.values.reduce((a, b) => a! + (b ?? 0), 0)).toBe(11);
    const latency = plots.plots[3]!;
    expect(latency.kind).toBe('latency');
    expect(latency.series.map((s) => s.label)).toEqual(expect.arrayContaining(['call', 'turn', 'status']));
    expect(latency.series.every((s) => s.values.at(-1) === 100)).toBe(true); // all answered within 5 s
    expect(res.text).toMatch(/data-testid="hook-row"><td><code>call<\/code><\/td><td>2<\/td>/);

    const harborOnly = await page(t.logins.operator.host, `/operator/monitoring?brand=${harborId}&range=7d`, operator);
    expect(harborOnly.status).toBe(200);
    expect(testId(harborOnly.text, 'summary-calls')).toBe('0');
    expect(testId(harborOnly.text, 'monitoring-connection')).toBe('No jambonz connection yet: the figures appear once jambonz is connected.');
    expect(plotsOf(harborOnly.text).plots[0]!.x).toHaveLength(168);
    const demoOnly = await page(t.logins.operator.host, `/operator/monitoring?brand=${demoId}&range=30d`, operator);
    expect(testId(demoOnly.text, 'summary-calls')).toBe('19');
    expect(testId(demoOnly.text, 'monitoring-connection')).toMatch(/^Calls polled up to /);
  });

  it('lets the operator set a brand\'s alert thresholds (blank: the instance\'s), refusing bad ones field by field', async () => {
    const path = `/operator/monitoring?brand=${demoId}`;
    const before = await page(t.logins.operator.host, path, operator);
    expect(before.text).toContain('data-testid="monitoring-threshold-form"');
    // Every brand at once has no form: thresholds are a brand's.
    expect((await page(t.logins.operator.host, '/operator/monitoring', operator)).text).not.toContain('monitoring-threshold-form');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.text)![1]!;
    const post = (form: Record<string, string>, cookie = operator) =>
      t.http(t.logins.operator.host).post('/operator/monitoring/thresholds').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrf, brand: demoId, ...form });

    const refused = await post({ asrAlertBelowPercent: '150', webhookFailuresAlertAt: 'lots' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('data-field-error="asrAlertBelowPercent"');
    expect(refused.text).toContain('data-field-error="webhookFailuresAlertAt"');
    expect(await t.kernel.monitoring.thresholds.view(demoId)).toMatchObject({ own: {} });
    // A brand admin's session is no session on the instance's host: sent to sign in, nothing saved.
    expect((await post({ asrAlertBelowPercent: '40' }, admin)).headers.location).toBe('/login');
    expect(await t.kernel.monitoring.thresholds.view(demoId)).toMatchObject({ own: {} });

    const saved = await post({ asrAlertBelowPercent: '20', webhookFailuresAlertAt: '25', cooldownMinutes: '' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/operator/monitoring?brand=${demoId}&saved=1`);
    const after = await page(t.logins.operator.host, saved.headers.location, operator);
    expect(after.text).toContain('data-testid="thresholds-saved"');
    expect(after.text).toContain('Operators are e-mailed when a carrier answers less than 20%');
    expect(await t.kernel.monitoring.thresholds.view(demoId)).toMatchObject({ own: { asrAlertBelowPercent: 20, webhookFailuresAlertAt: 25 } });
    // Under the brand's thresholds, acme-sip's 25 % and the 11 failures are no longer alerts.
    expect(await t.kernel.monitoring.alerts.conditions(demoId)).toEqual([]);
    await t.kernel.monitoring.thresholds.update(demoId, {});
    expect((await t.kernel.monitoring.alerts.conditions(demoId)).map((c) => c.kind).sort()).toEqual(['answer_ratio', 'webhook_failures']);
  });

  it('answers bad filters with the field and the reason', async () => {
    const brand = await page(t.logins.operator.host, '/operator/monitoring?brand=not-a-brand', operator);
    expect(brand.status).toBe(400);
    expect(brand.text).toContain('brand: is not a brand of this instance');
    const unknown = await page(t.logins.operator.host, `/operator/monitoring?brand=${randomUUID()}`, operator);
    expect(unknown.status).toBe(400);
    const range = await page(t.logins.operator.host, '/operator/monitoring?range=1y', operator);
    expect(range.status).toBe(400);
    expect(range.text).toContain('range: must be one of 24h, 7d, 30d');
  });

  it('shows a brand admin its own clients and carriers, and another brand’s admin nothing of them', async () => {
    const res = await page(t.logins.brandAdmin.host, '/admin/monitoring', admin);
    expect(res.status).toBe(200);
    expect(testId(res.text, 'summary-calls')).toBe('19');
    expect(res.text).toContain('acme-sip');
    expect(res.text).toContain('Bright Smile Dental');
    expect(res.text).not.toContain('data-testid="monitoring-brand"'); // no brand selector
    expect(res.text).not.toContain('Operators are e-mailed');
    expect(plotsOf(res.text).plots[0]!.series[0]!.values.reduce((a, b) => a! + (b ?? 0), 0)).toBe(19);

    const harbor = await page(harborAdminLogin.host, '/admin/monitoring', harborAdmin);
    expect(harbor.status).toBe(200);
    expect(testId(harbor.text, 'summary-calls')).toBe('0');
    expect(harbor.text).not.toContain('acme-sip');
    expect(harbor.text).not.toContain('Bright Smile');
    expect(plotsOf(harbor.text).plots[0]!.series[0]!.values.every((v) => v === 0)).toBe(true);
    expect(plotsOf(harbor.text).locale).toBe('es');
    // A brand admin cannot pick a brand on its own page either.
    const sneaky = await page(harborAdminLogin.host, `/admin/monitoring?brand=${demoId}`, harborAdmin);
    expect(testId(sneaky.text, 'summary-calls')).toBe('0');
  });

  it('keeps the pages to their roles', async () => {
    expect((await t.http(t.logins.operator.host).get('/operator/monitoring').set('Accept', 'text/html')).headers.location).toBe('/login');
    expect((await page(t.logins.brandAdmin.host, '/operator/monitoring', admin)).status).toBe(403);
    const owner = await signIn(t, t.logins.owner);
    expect((await page(t.logins.owner.host, '/admin/monitoring', owner)).status).toBe(403);
  });

  it('serves uPlot and the page script itself, cacheable by version', async () => {
    const res = await page(t.logins.operator.host, '/operator/monitoring', operator);
    const scripts = [...res.text.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]!);
    const css = /<link rel="stylesheet" href="(\/assets\/uplot\/[^"]+)">/.exec(res.text)![1]!;
    expect(scripts).toEqual([expect.stringMatching(/^\/assets\/uplot\/1\.6\.32\/uPlot\.iife\.min\.js$/), expect.stringMatching(/^\/assets\/monitoring\/[0-9a-f]{12}\/plots\.js$/)]);
    for (const path of [...scripts, css]) {
      const asset = await t.http(t.logins.operator.host).get(path);
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      const again = await t.http(t.logins.operator.host).get(path).set('If-None-Match', asset.headers.etag);
      expect(again.status).toBe(304);
    }
    expect((await t.http(t.logins.operator.host).get(scripts[0]!)).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await t.http(t.logins.operator.host).get('/assets/uplot/0.0.1/uPlot.iife.min.js')).status).toBe(404);
    expect((await t.http(t.logins.operator.host).get('/assets/uplot/1.6.32/package.json')).status).toBe(404);
  });

  it('opens /metrics to the bearer token only, from any host, in Prometheus’ text format with the hook latency buckets', async () => {
    expect((await t.http(hostless).get('/metrics')).status).toBe(401);
    expect((await t.http(hostless).get('/metrics')).headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await t.http(hostless).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
    // A brand admin's session is not enough.
    expect((await t.http(t.logins.brandAdmin.host).get('/metrics').set('Cookie', admin)).status).toBe(401);

    const res = await t.http(hostless).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE tero_jambonz_hook_duration_seconds histogram');
    expect(sample(res.text, 'tero_jambonz_hook_duration_seconds_bucket', { hook: 'call', status: '2xx', le: '5' })).toBe(2);
    expect(sample(res.text, 'tero_jambonz_hook_duration_seconds_bucket', { hook: 'turn', status: '2xx', le: '+Inf' })).toBe(2);
    expect(sample(res.text, 'tero_jambonz_hook_duration_seconds_count', { hook: 'status', status: '4xx' })).toBe(1);
    const bounds = res.text.split('\n').filter((line) => line.startsWith('tero_jambonz_hook_duration_seconds_bucket{') && line.includes('hook="turn"'));
    expect(bounds.length).toBeGreaterThanOrEqual(10);
    expect(res.text).toMatch(/^tero_active_calls \d+$/m);
    expect(sample(res.text, 'tero_jobs_processed_total', { queue: 'telephony.monitoring.brand', outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(res.text, 'tero_jobs_processed_total', { queue: 'email.send', outcome: 'completed' })).toBeGreaterThanOrEqual(2);
    expect(res.text).toContain('process_resident_memory_bytes');
    // The queue's own counts, read at the scrape: every name the kernel registered, by state.
    expect(sample(res.text, 'tero_jobs', { queue: 'telephony.monitoring.brand', state: 'waiting' })).toBe(0);
    expect(sample(res.text, 'tero_jobs', { queue: 'telephony.monitoring.sweep', state: 'failed' })).toBe(0);

    const asOperator = await t.http(t.logins.operator.host).get('/metrics').set('Cookie', operator);
    expect(asOperator.status).toBe(200);
    expect(asOperator.text).toContain('tero_jambonz_hook_duration_seconds_bucket');
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('is not there for anyone but a signed-in operator', async () => {
    expect((await t.http('10.0.0.5:3000').get('/metrics')).status).toBe(404);
    expect((await t.http('10.0.0.5:3000').get('/metrics').set('Authorization', 'Bearer anything-at-all-0123456789')).status).toBe(404);
    const admin = await signIn(t, t.logins.brandAdmin);
    expect((await t.http(t.logins.brandAdmin.host).get('/metrics').set('Cookie', admin)).status).toBe(404);
    const operator = await signIn(t, t.logins.operator);
    const res = await t.http(t.logins.operator.host).get('/metrics').set('Cookie', operator);
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE tero_jambonz_hook_duration_seconds histogram');
  });
});
