import { profileDefaultsFromPack } from '@tero/conversation';
import { AgentProfile, Brand, Client, OnboardingState, PhoneNumber, Subscription, User } from '@tero/db';
import { ONBOARDING_EVENTS } from '@tero/onboarding';
import type { TenantContext } from '@tero/sdk';
import { FakeJambonzServer } from '../../libs/telephony/src/testing';
import { type PaymentVendors, postDelivery, startPaymentVendors } from './billing/payment-vendors';
import { submitForm } from './billing/page-forms';
import { type TestApp, createTestApp, csrfFor, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(120_000);

const BRAND_HOST = 'demo.localhost';
const PASSWORD = 'a long sign-up password 42';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const versionOf = (html: string) => /name="version" value="(\d+)"/.exec(html)![1]!;
/** The text of the element with `data-testid`. */
const textOf = (html: string, testId: string) => new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html)?.[1];
const decode = (html: string) => html.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

/**
 * Issue 6 (sign-up and setup wizard) end to end on the real app, on SQLite or PostgreSQL + Redis
 * (TEST_BACKEND=postgres-redis): a plumber signs up and pays at the Stripe fake, lands signed in on the
 * wizard, meets each step's field reasons, double-submits a step, takes one number (mirrored by the
 * reconciler into the jambonz fake), calls its agent and completes the checklist; the completion event
 * is published and the finish page waits for the first real call; no other client reads this wizard.
 */
describe('the setup wizard', () => {
  let t: TestApp;
  let vendors: PaymentVendors;
  let fake: FakeJambonzServer;
  let jambonz: { accountSid: string; apiKey: string; webhookSecret: string };
  let brandId: string;
  let adminCookie: string;
  let client: Client;
  let host: string;
  let cookie: string;
  const events: { type: string; clientId: string | null; payload: unknown }[] = [];

  const db = () => t.kernel.db.forInstance('e2e assertions');
  const ctx = (): TenantContext => ({ brandId, clientId: client.id, locale: 'en' });
  const page = (path: string, lang?: string) => t.http(host).get(lang ? `${path}${path.includes('?') ? '&' : '?'}lang=${lang}` : path).set('Cookie', cookie).set('Accept', 'text/html');
  /** Posts a step's form as the browser does: the token and version its page carries, plus `fields`. */
  async function post(path: string, fields: Record<string, string>, options: { from?: string; lang?: string; version?: string } = {}) {
    const form = await page(options.from ?? path, options.lang);
    // An explicit language (`?lang=`) wins over the owner's profile, as a language switch does.
    return t
      .http(host)
      .post(options.lang ? `${path}?lang=${options.lang}` : path)
      .set('Cookie', cookie)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfOf(form.text), version: options.version ?? versionOf(form.text), ...fields });
  }
  const profile = () => db().findOneOrFail(AgentProfile, { client: client.id }, { refresh: true });
  const stateRow = () => db().findOneOrFail(OnboardingState, { client: client.id }, { refresh: true });
  /** Waits (bounded) until `check` holds: events reach subscribers asynchronously on Redis. */
  async function until(check: () => boolean | Promise<boolean>, what: string) {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`gave up waiting for ${what}`);
  }
  const eventsOf = (type: string) => events.filter((e) => e.type === type && e.clientId === client.id);

  async function deliverStripe() {
    for (const delivery of await vendors.stripe.takeWebhooks()) expect((await postDelivery(t, 'payment-stripe', 'demo', delivery)).status).toBe(200);
  }

  beforeAll(async () => {
    vendors = await startPaymentVendors();
    fake = await FakeJambonzServer.start();
    jambonz = fake.seedAccount({ name: 'Demo Voice on jambonz' });
    const carrier = fake.seedCarrier({ name: 'Acme SIP' });
    t = await createTestApp({ env: vendors.env });
    for (const type of Object.values(ONBOARDING_EVENTS)) t.kernel.events.subscribe(type, (e) => void events.push({ type: e.type, clientId: e.clientId, payload: e.payload }));
    brandId = (await db().findOneOrFail(Brand, { slug: 'demo' })).id;
    adminCookie = await signIn(t, t.logins.brandAdmin);
    const stripe = await submitForm(t, BRAND_HOST, adminCookie, '/admin/billing', '/admin/billing/providers/payment-stripe', { secretKey: vendors.stripe.secretKey, webhookSecret: vendors.stripe.webhookSecret });
    expect(stripe.status).toBe(200);
    const connected = await submitForm(t, BRAND_HOST, adminCookie, '/admin/telephony', '/admin/telephony', { baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey, carrierSid: carrier.voip_carrier_sid });
    expect(connected.status).toBe(200);
    for (const number of ['+13035550100', '+15125550100', '+15125550101']) {
      expect((await submitForm(t, BRAND_HOST, adminCookie, '/admin/numbers', '/admin/numbers', { number })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await t?.close();
    await vendors?.stop();
    await fake?.close();
  });

  it('signs a plumber up: the agent profile from the plumber pack, onboarding.started, and after paying at Stripe the owner lands on /setup signed in', async () => {
    const plan = (await t.kernel.billing.plans.list({ brandId, clientId: null, locale: 'en' })).find((p) => p.code === 'starter')!;
    const { cookie: anonymous, token } = await csrfFor(t, BRAND_HOST, '/signup');
    const signup = await t
      .http(BRAND_HOST)
      .post('/signup')
      .set('Cookie', anonymous)
      .type('form')
      .send({ businessName: 'Flow Right Plumbing', ownerName: 'Pat Pipes', email: 'pat@flowright.example', password: PASSWORD, profession: 'plumber', planId: plan.id, interval: 'month', provider: 'payment-stripe', _csrf: token });
    expect(signup.status).toBe(303);
    client = await db().findOneOrFail(Client, { name: 'Flow Right Plumbing' });
    host = `${client.slug}.${BRAND_HOST}`;
    expect(client).toMatchObject({ status: 'onboarding', professionPack: 'plumber' });
    const defaults = profileDefaultsFromPack(await t.kernel.packs.get('plumber'));
    expect(await profile()).toMatchObject({ hours: defaults.hours, services: defaults.services, faq: defaults.faq, policies: defaults.policies, capacity: defaults.capacity });
    const owner = await db().findOneOrFail(User, { email: 'pat@flowright.example' });
    await until(() => eventsOf(ONBOARDING_EVENTS.started).length === 1, 'onboarding.started');
    expect(eventsOf(ONBOARDING_EVENTS.started)[0]!.payload).toEqual({ userId: owner.id });

    await deliverStripe();
    const paid = await fetch(signup.headers.location as string, { method: 'POST', redirect: 'manual' });
    const back = paid.headers.get('location')!;
    expect(back).toMatch(new RegExp(`^http://${host.replace(/\./g, '\\.')}:3000/setup/welcome\\?token=`));
    await deliverStripe();
    // The demo plans start with a trial: the subscription serves from the checkout on.
    expect(['trialing', 'active']).toContain((await db().findOneOrFail(Subscription, { client: client.id })).status);

    const url = new URL(back);
    const landed = await t.http(host).get(`${url.pathname}${url.search}`).set('Accept', 'text/html');
    expect(landed.status).toBe(303);
    expect(landed.headers.location).toBe('/setup?checkout=done');
    cookie = (landed.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/tero_session=/);
    const setup = await page('/setup?checkout=done');
    expect(setup.status).toBe(200);
    expect(setup.text).toContain('Thank you, your payment went through.');
    expect(setup.text).toContain('data-testid="setup-checklist" data-done="0" data-total="9"');
    // The link works once: used again, it signs nobody in.
    const again = await t.http(host).get(`${url.pathname}${url.search}`).set('Accept', 'text/html');
    expect(again.headers.location).toBe('/login');
    expect(again.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^tero_session=[^;]+/)]));
  });

  it('shows the checklist on the dashboard of an owner who signs in later, and sends them to the next open step', async () => {
    const later = await signIn(t, { role: 'client owner', email: 'pat@flowright.example', password: PASSWORD, host });
    const dashboard = await t.http(host).get('/').set('Cookie', later).set('Accept', 'text/html');
    expect(dashboard.text).toContain('data-testid="dashboard-setup" data-done="0" data-total="9"');
    const next = await t.http(host).get('/setup/next').set('Cookie', later).set('Accept', 'text/html');
    expect(next.headers.location).toBe('/setup/business');
  });

  it('explains what is wrong with each step’s bad input, field by field, in the reader’s language, and saves nothing', async () => {
    const before = await profile();
    const version = (await stateRow()).version;
    const business = await post('/setup/business', { name: '', address: '12 Pipe St', timezone: 'Mars/Olympus', 'hours.mon': '9-5', 'hours.tue': '18:00-08:00', exceptions: '2026-02-30 Nope' });
    expect(business.status).toBe(400);
    expect(textOf(business.text, 'error-name')).toBe('This is required.');
    expect(decode(textOf(business.text, 'error-timezone')!)).toBe('"Mars/Olympus" is not a time zone we know. Use a name like America/Chicago.');
    expect(textOf(business.text, 'error-hours-mon')).toBe('Write hours like 08:00-17:00, several separated by commas.');
    expect(textOf(business.text, 'error-hours-tue')).toBe('Each interval must end after it starts.');
    expect(textOf(business.text, 'error-exceptions')).toContain('Line 1: write a real date');
    // What was typed comes back.
    expect(business.text).toContain('value="12 Pipe St"');

    const spanish = await post('/setup/business', { name: 'Flow Right', address: 'x', timezone: 'EST' }, { lang: 'es' });
    expect(spanish.status).toBe(400);
    expect(decode(textOf(spanish.text, 'error-timezone')!)).toBe('«EST» no es una zona horaria que conozcamos. Use un nombre como Europe/Madrid.');

    const services = await post('/setup/services', { 'services.0.id': before.services[0]!.id, 'services.0.name': 'Drain cleaning', 'services.0.durationMinutes': '2', 'services.0.price': '-10' });
    expect(services.status).toBe(400);
    expect(textOf(services.text, 'error-services-0-duration')).toBe('Between 5 and 480 minutes.');
    expect(textOf(services.text, 'error-services-0-price')).toBe('An amount like 120.50, not negative.');

    const faq = await post('/setup/faq', { 'faq.0.question': 'Do you work on Sundays?', 'faq.0.answer': '' });
    expect(faq.status).toBe(400);
    expect(textOf(faq.text, 'error-faq-0-answer')).toBe('This is required.');

    const transfer = await post('/setup/transfer', { transferNumber: '555-0100', onCallNumber: 'call me' });
    expect(transfer.status).toBe(400);
    expect(textOf(transfer.text, 'error-transferNumber')).toBe('An international number, such as +15550100100.');
    expect(textOf(transfer.text, 'error-onCallNumber')).toBe('An international number, such as +15550100100.');

    const afterHours = await post('/setup/afterHours', { afterHours: 'forward', holiday: 'ai', emergency: 'transfer' });
    expect(afterHours.status).toBe(400);
    expect(textOf(afterHours.text, 'error-afterHours')).toBe('Forwarding needs a transfer number (step Transfer and on-call numbers).');
    expect(textOf(afterHours.text, 'error-emergency')).toBe('Putting emergencies through needs an on-call number (step Transfer and on-call numbers).');

    const voice = await post('/setup/voice', {});
    expect(voice.status).toBe(400);
    expect(textOf(voice.text, 'error-voice')).toBe('Your voice is not ready yet (none). Finish it on the voice page, or pick a standard voice.');

    const prompt = await post('/setup/prompt', { action: 'check' });
    expect(prompt.status).toBe(400);
    expect(textOf(prompt.text, 'error-prompt')).toBe('You have not published instructions of your own: publish them, or keep the default.');

    const number = await post('/setup/number', { areaCode: '5x2', pattern: '' });
    expect(number.status).toBe(400);
    expect(textOf(number.text, 'error-areaCode')).toBe('1 to 5 digits.');

    const call = await post('/setup/testCall/start', {}, { from: '/setup/business' });
    expect(call.status).toBe(409);
    expect(decode(call.text)).toContain(t.kernel.i18n.t('errors:test_call.no_number', { lng: 'en' }));

    const after = await profile();
    expect({ services: after.services, faq: after.faq, hours: after.hours, transfer: after.transferNumber, policies: after.policies, address: after.address }).toEqual({
      services: before.services,
      faq: before.faq,
      hours: before.hours,
      transfer: before.transferNumber,
      policies: before.policies,
      address: before.address,
    });
    expect((await stateRow()).version).toBe(version);
    expect((await db().findOneOrFail(Client, { id: client.id }, { refresh: true })).timezone).toBe(client.timezone);
    expect(await t.kernel.wizard.numbers(ctx())).toEqual([]);
  });

  it('saves the business step once; the same form submitted again is "already saved" and changes nothing', async () => {
    const form = await page('/setup/business');
    const fields = {
      _csrf: csrfOf(form.text),
      version: versionOf(form.text),
      name: 'Flow Right Plumbing & Drains',
      address: '12 Pipe St, Austin TX',
      timezone: 'America/Chicago',
      'hours.mon': '07:00-12:00, 13:00-18:00',
      'hours.tue': '07:00-18:00',
      'hours.wed': '07:00-18:00',
      'hours.thu': '07:00-18:00',
      'hours.fri': '07:00-18:00',
      'hours.sat': '',
      'hours.sun': 'closed',
      exceptions: '2026-12-25 Christmas\n2026-12-24 08:00-12:00 Christmas Eve',
    };
    const send = (body: Record<string, string>) => t.http(host).post('/setup/business').set('Cookie', cookie).set('Accept', 'text/html').type('form').send(body);
    const first = await send(fields);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/setup/services');
    const saved = await profile();
    expect(saved).toMatchObject({ address: '12 Pipe St, Austin TX', hours: { mon: [['07:00', '12:00'], ['13:00', '18:00']], sat: [], sun: [] }, exceptions: [{ date: '2026-12-24', hours: [['08:00', '12:00']], name: 'Christmas Eve' }, { date: '2026-12-25', hours: [], name: 'Christmas' }] });
    expect(await db().findOneOrFail(Client, { id: client.id }, { refresh: true })).toMatchObject({ name: 'Flow Right Plumbing & Drains', timezone: 'America/Chicago' });
    const version = (await stateRow()).version;

    // The double submit (or a second tab) carries the version the page was rendered with.
    const twice = await send({ ...fields, address: 'Somewhere else' });
    expect(twice.status).toBe(409);
    expect(textOf(twice.text, 'error')).toBe(t.kernel.i18n.t('errors:onboarding.already_saved', { lng: 'en' }));
    expect((await profile()).address).toBe('12 Pipe St, Austin TX');
    expect((await stateRow()).version).toBe(version);
    await until(() => eventsOf(ONBOARDING_EVENTS.stepCompleted).length === 1, 'onboarding.step_completed');
    expect(eventsOf(ONBOARDING_EVENTS.stepCompleted).map((e) => e.payload)).toEqual([{ step: 'business' }]);
  });

  it('edits services, FAQ, transfer numbers and after-hours policies', async () => {
    const before = await profile();
    const [drain, ...others] = before.services;
    const fields: Record<string, string> = {
      'services.0.id': drain!.id,
      'services.0.name': 'Drain unclogging',
      'services.0.durationMinutes': '60',
      'services.0.price': '189.00',
      'services.0.bookable': 'on',
    };
    others.forEach((s, i) => Object.assign(fields, { [`services.${i + 1}.id`]: s.id, [`services.${i + 1}.name`]: s.name.en!, [`services.${i + 1}.durationMinutes`]: String(s.durationMinutes), [`services.${i + 1}.price`]: (s.priceMinor / 100).toFixed(2), [`services.${i + 1}.remove`]: i === 0 ? 'on' : '', ...(s.bookable ? { [`services.${i + 1}.bookable`]: 'on' } : {}) }));
    Object.assign(fields, { [`services.${before.services.length}.name`]: 'Sump pump check', [`services.${before.services.length}.durationMinutes`]: '45', [`services.${before.services.length}.price`]: '95' });
    const services = await post('/setup/services', Object.fromEntries(Object.entries(fields).filter(([key, value]) => !key.endsWith('.remove') || value)));
    expect(services.status).toBe(303);
    const edited = (await profile()).services;
    expect(edited.map((s) => s.id)).toEqual([drain!.id, ...others.slice(1).map((s) => s.id), 'sump-pump-check']);
    expect(edited[0]).toMatchObject({ name: { ...drain!.name, en: 'Drain unclogging' }, durationMinutes: 60, priceMinor: 18900, keywords: drain!.keywords });
    expect(edited.at(-1)).toMatchObject({ name: { en: 'Sump pump check' }, durationMinutes: 45, priceMinor: 9500, bookable: false });

    const faq = await post('/setup/faq', { 'faq.0.id': before.faq[0]!.id, 'faq.0.question': before.faq[0]!.question.en!, 'faq.0.answer': 'Austin and 25 miles around.', 'faq.1.question': 'Do you work weekends?', 'faq.1.answer': 'Emergencies only.' });
    expect(faq.status).toBe(303);
    expect((await profile()).faq.map((f) => f.answer.en)).toEqual(['Austin and 25 miles around.', 'Emergencies only.']);

    expect((await post('/setup/transfer', { transferNumber: '+1 (512) 555-0199', onCallNumber: '+15125550198' })).status).toBe(303);
    expect(await profile()).toMatchObject({ transferNumber: '+15125550199', onCallNumber: '+15125550198' });
    expect((await post('/setup/afterHours', { afterHours: 'ai', holiday: 'forward', emergency: 'transfer' })).status).toBe(303);
    expect((await profile()).policies).toMatchObject({ afterHours: 'ai', holiday: 'forward', emergency: 'transfer' });
  });

  it('lets the owner turn booking confirmation texts off and on with the services, refusing a bad value with its reason', async () => {
    const form = await page('/setup/services');
    expect(form.text).toMatch(/<input type="checkbox" name="textConfirmations" value="on" checked data-testid="text-confirmations">/);
    expect(form.text).toContain('Text callers a booking confirmation');
    expect((await page('/setup/services', 'es')).text).toContain('Enviar a quien llama una confirmación de la cita por SMS');
    expect((await page('/setup/services', 'fr')).text).toContain("Envoyer à l'appelant une confirmation du rendez-vous par SMS".replace("'", '&#x27;'));
    const rows = (await profile()).services;
    const fields = new URLSearchParams({ _csrf: csrfOf(form.text), version: versionOf(form.text) });
    rows.forEach((s, i) => {
      fields.set(`services.${i}.id`, s.id);
      fields.set(`services.${i}.name`, s.name.en!);
      fields.set(`services.${i}.durationMinutes`, String(s.durationMinutes));
      fields.set(`services.${i}.price`, (s.priceMinor / 100).toFixed(2));
      if (s.bookable) fields.set(`services.${i}.bookable`, 'on');
    });
    const send = (body: URLSearchParams) => t.http(host).post('/setup/services').set('Cookie', cookie).set('Accept', 'text/html').type('form').send(body.toString());

    // What a browser sends with the box unticked: the hidden 0 alone.
    fields.append('textConfirmations', '0');
    expect((await send(fields)).status).toBe(303);
    expect((await profile()).textConfirmations).toBe(false);
    const off = await page('/setup/services');
    expect(off.text).toMatch(/<input type="checkbox" name="textConfirmations" value="on"  data-testid="text-confirmations">/);

    const bad = new URLSearchParams(fields);
    bad.set('_csrf', csrfOf(off.text));
    bad.set('version', versionOf(off.text));
    bad.set('textConfirmations', 'sometimes');
    const refused = await send(bad);
    expect(refused.status).toBe(400);
    expect(textOf(refused.text, 'error-textConfirmations')).toBe('Pick one of the options.');
    expect((await profile()).textConfirmations).toBe(false);

    // Ticked: the hidden 0, then the box's value; the last one counts.
    const on = new URLSearchParams(bad);
    on.set('textConfirmations', '0');
    on.append('textConfirmations', 'on');
    expect((await send(on)).status).toBe(303);
    expect((await profile()).textConfirmations).toBe(true);
  });

  it('completes the voice step once a standard voice is chosen, and the prompt step with the pack’s prompt kept', async () => {
    const voicePage = await page('/voice?from=setup');
    expect(voicePage.text).toContain('href="/setup"');
    const standard = await t.http(host).post('/voice/standard').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(voicePage.text) });
    expect(standard.status).toBeLessThan(400);
    expect((await page('/setup/voice')).text).toContain('data-testid="setup-voice" data-status="standard"');
    expect((await post('/setup/voice', {})).headers.location).toBe('/setup/prompt');
    const kept = await post('/setup/prompt', { action: 'keep' });
    expect(kept.headers.location).toBe('/setup/number');
  });

  it('gives the client one number even when the step is submitted twice at once, and the reconciler puts it in jambonz', async () => {
    const form = await page('/setup/number?areaCode=512');
    expect(form.text.match(/data-testid="setup-number-option"/g)).toHaveLength(2);
    expect(form.text).not.toContain('+13035550100');
    const body = { _csrf: csrfOf(form.text), version: versionOf(form.text), areaCode: '512', pattern: '' };
    const send = () => t.http(host).post('/setup/number').set('Cookie', cookie).set('Accept', 'text/html').type('form').send(body);
    const answers = await Promise.all([send(), send()]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const held = await db().find(PhoneNumber, { client: client.id, state: 'assigned' });
    expect(held).toHaveLength(1);
    expect(held[0]!.number).toMatch(/^\+1512555010[01]$/);
    // Submitted again later (a new version): still that one number.
    expect((await post('/setup/number', { areaCode: '303' })).status).toBe(303);
    expect((await db().find(PhoneNumber, { client: client.id, state: 'assigned' })).map((n) => n.number)).toEqual([held[0]!.number]);

    const report = await t.kernel.provisioning.reconciler.reconcileBrand(brandId, { force: true });
    expect(report).toMatchObject({ ok: true });
    const app = fake.applications(jambonz.accountSid).find((a) => a.name === 'Tero Voice')!;
    expect(fake.phoneNumber(held[0]!.number)).toMatchObject({ application_sid: app.application_sid, account_sid: jambonz.accountSid });
    expect((await page('/setup/number')).text).toContain(`<code>${held[0]!.number}</code> <span class="badge">connected</span>`);
  });

  it('runs the test call through the agent, then the checklist is complete, onboarding.completed is published, and the finish page waits for the first real call', async () => {
    const started = await post('/setup/testCall/start', {}, { from: '/setup/testCall' });
    expect(started.status).toBe(200);
    expect(started.text).toContain('data-testid="setup-test-call" data-ended="no"');
    expect(started.text).toMatch(/data-speaker="agent"><strong>Agent:<\/strong> [^<]*Flow Right Plumbing &amp; Drains/);
    const callId = /name="callId" value="([^"]+)"/.exec(started.text)![1]!;
    const turn = await t.http(host).post('/setup/testCall/turn').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(started.text), version: versionOf(started.text), callId, text: 'What are your opening hours?' });
    expect(turn.status).toBe(200);
    expect(turn.text).toContain('<strong>You:</strong> What are your opening hours?');
    expect((await stateRow()).completedAt).toBeNull();
    const hungUp = await t.http(host).post('/setup/testCall/hangup').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(turn.text), version: versionOf(turn.text), callId });
    expect(hungUp.status).toBe(303);
    expect(hungUp.headers.location).toBe('/setup/done');

    const state = await t.kernel.wizard.state(ctx());
    expect(state).toMatchObject({ doneCount: 9, total: 9, nextOpen: null });
    expect(state!.completedAt).toBeInstanceOf(Date);
    await until(() => eventsOf(ONBOARDING_EVENTS.completed).length === 1, 'onboarding.completed');
    expect(eventsOf(ONBOARDING_EVENTS.stepCompleted).map((e) => (e.payload as { step: string }).step).sort()).toEqual(['afterHours', 'business', 'faq', 'number', 'prompt', 'services', 'testCall', 'transfer', 'voice']);
    expect((await db().findOneOrFail(Client, { id: client.id }, { refresh: true })).status).toBe('active');

    const done = await page('/setup/done');
    expect(done.text).toContain('data-testid="setup-checklist" data-done="9" data-total="9" data-complete="yes"');
    expect(done.text).toContain(`http://${host}:3000/`);
    const [number] = await t.kernel.wizard.numbers(ctx());
    expect(done.text).toContain(`<code>${number!.number}</code>`);
    expect(textOf(done.text, 'setup-first-call')).toBe('Waiting for your first real call…');
    // The test call was recorded but is no real call.
    await t.kernel.telephony.writer.flush();
    expect((await page('/setup/first-call')).body).toMatchObject({ received: false });
    expect((await page('/')).text).not.toContain('data-testid="dashboard-setup"');

    // A caller rings the new number (signed as jambonz would) and hangs up.
    const info = callInfo({ number: number!.number, accountSid: jambonz.accountSid });
    const answered = await postHook(t, 'call', { ...info, call_status: 'trying', sip_status: 100 }, { secret: fake.webhookSecretOf(jambonz.accountSid) });
    expect(answered.status).toBe(200);
    expectValidVerbs(answered.body, { nonEmpty: true });
    expect((await postHook(t, 'status', { ...info, call_status: 'completed', duration: 20 }, { secret: fake.webhookSecretOf(jambonz.accountSid) })).status).toBe(200);
    await t.kernel.telephony.writer.flush();
    const polled = await page('/setup/first-call');
    expect(polled.body).toMatchObject({ received: true, label: 'First call received!' });
  });

  it('shows this wizard to nobody else: another client’s owner, its session on this host, or its context', async () => {
    const bright = await signIn(t, t.logins.owner);
    // Bright Smile has no wizard of its own (created by the demo, not the sign-up).
    expect((await t.http(t.logins.owner.host).get('/setup').set('Cookie', bright).set('Accept', 'text/html')).status).toBe(404);
    expect((await t.http(t.logins.owner.host).get('/setup/first-call').set('Cookie', bright)).status).toBe(404);
    // Its session does not fit this client's host: it is not signed in here.
    const foreign = await t.http(host).get('/setup/business').set('Cookie', bright).set('Accept', 'text/html');
    expect(foreign.status).toBe(303);
    expect(foreign.headers.location).toBe('/login');
    const brightId = (await db().findOneOrFail(Client, { slug: 'bright-smile' })).id;
    expect(await t.kernel.wizard.state({ brandId, clientId: brightId, locale: 'en' })).toBeNull();
    // Another brand's context does not reach this client's row either.
    const harbor = await db().findOneOrFail(Brand, { slug: 'harbor' });
    expect(await t.kernel.wizard.state({ brandId: harbor.id, clientId: client.id, locale: 'en' })).toBeNull();
  });

  it('refuses a sign-up with a taken e-mail, an unknown plan, an unset provider or a refused checkout, and keeps no client, user or profile of it', async () => {
    const plan = (await t.kernel.billing.plans.list({ brandId, clientId: null, locale: 'en' })).find((p) => p.code === 'starter')!;
    // PayPal set up with credentials its API refuses: the provider is "available" but the checkout fails.
    const paypal = await submitForm(t, BRAND_HOST, adminCookie, '/admin/billing', '/admin/billing/providers/payment-paypal', { clientId: 'not-a-client', clientSecret: 'not-its-secret', webhookId: 'WH-NONE', brandName: 'Demo' });
    expect(paypal.status).toBe(200);
    const counts = async () => ({ clients: await db().count(Client, {}), users: await db().count(User, {}), profiles: await db().count(AgentProfile, {}), states: await db().count(OnboardingState, {}) });
    const before = await counts();
    const startedBefore = events.filter((e) => e.type === ONBOARDING_EVENTS.started).length;
    const attempt = async (fields: Record<string, string>) => {
      const { cookie: anonymous, token } = await csrfFor(t, BRAND_HOST, '/signup');
      const fieldsOf = { businessName: 'Second Try Plumbing', ownerName: 'Sam Second', email: 'sam@secondtry.example', password: PASSWORD, profession: 'plumber', planId: plan.id, interval: 'month', provider: 'payment-stripe', ...fields };
      return t.http(BRAND_HOST).post('/signup').set('Cookie', anonymous).set('Accept', 'text/html').type('form').send({ ...fieldsOf, _csrf: token });
    };

    const taken = await attempt({ email: 'PAT@flowright.example' });
    expect(taken.status).toBe(400);
    expect(decode(taken.text)).toContain('is already used in this brand');
    const unknownPlan = await attempt({ planId: '00000000-0000-4000-8000-000000000000' });
    expect(unknownPlan.status).toBeGreaterThanOrEqual(400);
    expect(unknownPlan.status).toBeLessThan(500);
    const unset = await attempt({ provider: 'payment-none' });
    expect(unset.status).toBe(400);
    expect(decode(unset.text)).toContain('payment-none');
    const unknownPack = await attempt({ profession: 'astronaut' });
    expect(unknownPack.status).toBe(400);
    const shortPassword = await attempt({ password: 'short' });
    expect(shortPassword.status).toBe(400);
    const refused = await attempt({ provider: 'payment-paypal' });
    expect(refused.status).not.toBe(303);
    expect(await counts()).toEqual(before);
    expect(await db().count(Client, { name: 'Second Try Plumbing' })).toBe(0);
    expect(events.filter((e) => e.type === ONBOARDING_EVENTS.started)).toHaveLength(startedBefore);

    // Nothing was kept, so the same owner signs up at once with Stripe.
    const ok = await attempt({});
    expect(ok.status).toBe(303);
    const made = await db().findOneOrFail(Client, { name: 'Second Try Plumbing' });
    expect(await db().count(User, { client: made.id })).toBe(1);
    expect(await db().count(AgentProfile, { client: made.id })).toBe(1);
    expect(await db().count(OnboardingState, { client: made.id })).toBe(1);
  });
});
