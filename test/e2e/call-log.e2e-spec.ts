import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { addDays, localDate } from '@tero/core';
import { AdminAccessLog, Booking, Brand, Call, CallRecording, CallTurn, CallerMessage, Client, OnboardingState, Plan, Subscription } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { JambonzSimulator, scriptedCaller } from '@tero/telephony';
import { type TestApp, createTestApp, signIn } from './create-test-app';

jest.setTimeout(120_000);

/** The phrase the simulated caller says: SQL LIKE wildcards and a quote, searched for as plain text. */
const PHRASE = "Do you take 50%_off coupons? It's for O'Brien";

const unescape = (href: string) => href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'");
const rowIds = (html: string) => [...html.matchAll(/data-testid="call-row" data-call-id="([^"]+)"/g)].map((m) => m[1]!);
const nextHref = (html: string) => {
  const m = /href="([^"]+)" rel="next" data-testid="calls-next"/.exec(html);
  return m ? unescape(m[1]!) : null;
};

describe('call log and brand overview', () => {
  let t: TestApp;
  let owner: string;
  let harborOwner: string;
  let admin: string;
  const brightHost = () => t.logins.owner.host;
  const seasideHost = () => t.logins.harborOwner.host;
  const adminHost = () => t.logins.brandAdmin.host;
  const ids = { simulated: '', withExtras: '', seaside: '', pipes: '', seasideClient: '' };
  /** Bright Smile's calls, newest first as the log sorts them. */
  let brightCalls: string[] = [];

  const em = () => t.kernel.db.forInstance('e2e seed and assertions');
  const page = (host: string, path: string, cookie: string) => t.http(host).get(path).set('Cookie', cookie).set('Accept', 'text/html');

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const [bright, seaside] = t.lines as [TestApp['lines'][number], TestApp['lines'][number]];

    // One real call through the hooks, with its transcript and timeline.
    const simulator = new JambonzSimulator({ baseUrl, secret: bright.secret, accountSid: bright.accountSid });
    const simulated = await simulator.call({ from: '+15557770042', to: bright.number, callerName: 'Sam Caller', input: scriptedCaller([PHRASE, 'Thank you, goodbye']) });
    const other = await new JambonzSimulator({ baseUrl, secret: seaside.secret, accountSid: seaside.accountSid }).call({ from: '+525550001111', to: seaside.number, input: scriptedCaller([PHRASE, 'Gracias, adiós']) });
    await t.kernel.telephony.writer.flush();

    const db = em();
    const brightClient = await db.findOneOrFail(Client, { slug: 'bright-smile' }, { populate: ['brand'] });
    const seasideClient = await db.findOneOrFail(Client, { slug: 'seaside' });
    ids.simulated = (await db.findOneOrFail(Call, { callSid: simulated.callSid })).id;
    ids.seaside = (await db.findOneOrFail(Call, { callSid: other.callSid })).id;
    ids.seasideClient = seasideClient.id;
    const brand = brightClient.brand as Brand;

    // 22 more calls over the last 17 days, two of them at the same instant (ties are broken by id).
    const now = Date.now();
    for (let i = 0; i < 22; i++) {
      const startedAt = new Date(now - (Math.floor(i / 2) * 37 + 1) * 3_600_000);
      const call = db.create(Call, { brand, client: brightClient, callSid: `seed-${randomUUID()}`, fromNumber: `+1555010${String(i).padStart(4, '0')}`, toNumber: bright.number, route: 'open', startedAt, endedAt: new Date(startedAt.getTime() + 60_000), status: 'completed', outcome: i % 3 ? 'answered' : 'message_taken', durationSeconds: 20 + i, turnCount: 1 });
      db.create(CallTurn, { brand, client: brightClient, call, seq: 0, speaker: 'caller', text: `Seeded call number ${i}`, at: startedAt });
      if (i === 4) ids.withExtras = call.id;
    }
    await db.flush();
    const withExtras = await db.findOneOrFail(Call, { id: ids.withExtras });
    db.create(CallRecording, { brand, client: brightClient, call: withExtras, storageKey: `recordings/${withExtras.id}.wav`, status: 'complete', sampleRate: 8000, channels: 1, bytes: 16000, durationMs: 1000, startedAt: withExtras.startedAt, endedAt: withExtras.endedAt });
    const message = db.create(CallerMessage, { brand, client: brightClient, callSid: withExtras.callSid, callbackNumber: withExtras.fromNumber, callerName: 'Pat Seed', text: 'Please call me about my crown.', urgent: true });
    const booking = db.create(Booking, { brand, client: brightClient, serviceId: 'cleaning', serviceName: 'Cleaning', valueMinor: 12000, startsAt: new Date(now + 86_400_000), endsAt: new Date(now + 90_000_000), status: 'confirmed', callSid: withExtras.callSid, idempotencyKey: `e2e-${withExtras.id}` });
    withExtras.messageId = message.id;
    withExtras.bookingId = booking.id;
    await db.flush();
    brightCalls = (await db.find(Call, { client: brightClient.id }, { orderBy: { startedAt: 'desc', id: 'desc' } })).map((c) => c.id);

    // A second client of the demo brand that needs attention: calls down, a failed payment, its setup unfinished.
    const brandCtx: TenantContext = { brandId: brand.id, clientId: null, locale: 'en' };
    const pipes = await t.kernel.accounts.createClient(brandCtx, { name: 'Pipe Pros', slug: 'pipe-pros', professionPack: 'plumber', timezone: 'UTC' });
    ids.pipes = pipes.id;
    const pipesRef = await db.findOneOrFail(Client, { id: pipes.id });
    for (let i = 0; i < 12; i++) {
      const daysAgo = i < 10 ? 35 + i : 2 + i - 10;
      db.create(Call, { brand, client: pipesRef, callSid: `pipes-${randomUUID()}`, fromNumber: '+15550200000', toNumber: '+15550200001', route: 'open', startedAt: new Date(now - daysAgo * 86_400_000), status: 'completed', outcome: 'answered', durationSeconds: 40 });
    }
    db.create(OnboardingState, { brand, client: pipesRef });
    const plan = db.create(Plan, { brand, code: `e2e-${randomUUID().slice(0, 8)}`, name: 'E2E', monthlyMinor: 4900, annualMinor: 49000, includedMinutes: 100, overageMinorPerMinute: 10 });
    db.create(Subscription, { brand, client: pipesRef, plan, provider: 'payment-stripe', amountMinor: 4900, currency: 'USD', status: 'past_due' });
    await db.flush();
    // The daily rollups the overview's figures come from, as the jobs would have written them.
    for (const client of [brightClient, pipesRef]) {
      const ctx: TenantContext = { brandId: brand.id, clientId: client.id, locale: 'en' };
      const today = localDate(new Date(), client.timezone);
      for (let d = 1; d <= 60; d++) await t.kernel.analytics.rollups.recompute(ctx, addDays(today, -d));
    }

    [owner, harborOwner, admin] = [await signIn(t, t.logins.owner), await signIn(t, t.logins.harborOwner), await signIn(t, t.logins.brandAdmin)];
  });
  afterAll(() => t?.close());

  it('lists the client’s calls page by page by cursor, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let path: string | null = '/calls?limit=5';
    let pages = 0;
    while (path && pages < 20) {
      const res = await page(brightHost(), path, owner);
      expect(res.status).toBe(200);
      expect(res.text).toContain('data-testid="calls-filters"');
      seen.push(...rowIds(res.text));
      path = nextHref(res.text);
      pages++;
    }
    expect(pages).toBe(Math.ceil(brightCalls.length / 5));
    expect(seen).toEqual(brightCalls);
    expect(new Set(seen).size).toBe(seen.length);
    // The oldest first, filtered by outcome: the same calls, the other way round.
    const oldest = await page(brightHost(), '/calls?sort=oldest&outcome=message_taken&limit=100', owner);
    const messageTaken = (await em().find(Call, { id: { $in: brightCalls }, outcome: 'message_taken' }, { orderBy: { startedAt: 'asc', id: 'asc' } })).map((c) => c.id);
    expect(rowIds(oldest.text)).toEqual(messageTaken);
  });

  it('searches transcripts for SQL and regex metacharacters as plain text, only in the client’s own calls', async () => {
    const search = async (q: string) => rowIds((await page(brightHost(), `/calls?q=${encodeURIComponent(q)}`, owner)).text);
    expect(await search('50%_off')).toEqual([ids.simulated]);
    expect(await search("o'brien")).toEqual([ids.simulated]);
    expect(await search('%')).toEqual([ids.simulated]);
    expect(await search('.*(')).toEqual([]);
    expect(await search(`'; delete from calls; --`)).toEqual([]);
    const res = await page(brightHost(), `/calls?q=${encodeURIComponent('50%_off')}`, owner);
    expect(res.text).toContain('data-testid="call-snippet"');
    // Nothing was harmed, and the other brand's call with the same words stays its own.
    expect(await em().count(Call, {})).toBeGreaterThan(brightCalls.length);
    expect(rowIds((await page(seasideHost(), `/calls?q=${encodeURIComponent('50%_off')}`, harborOwner)).text)).toEqual([ids.seaside]);
  });

  it('refuses an unknown filter, a ten-year range and a malformed or tampered cursor with a clear message', async () => {
    const unknown = await page(brightHost(), '/calls?status=completed', owner);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('data-testid="error"');
    expect(unknown.text).toContain('“status” is not a filter of the call log');
    const decade = await page(brightHost(), '/calls?from=2016-01-01&to=2025-12-31', owner);
    expect(decade.status).toBe(400);
    expect(decade.text).toContain('at most 366 days');
    const malformed = await page(brightHost(), '/calls?cursor=abc', owner);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('This page link is not valid any more');
    const first = await page(brightHost(), '/calls?limit=5', owner);
    const next = new URL(nextHref(first.text)!, 'http://x');
    const cursor = next.searchParams.get('cursor')!;
    next.searchParams.set('cursor', `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`);
    expect((await page(brightHost(), `${next.pathname}${next.search}`, owner)).status).toBe(400);
    // In Spanish, the same refusal in the reader's words.
    const spanish = await page(brightHost(), '/calls?status=completed&lang=es', owner);
    expect(spanish.text).toContain('no es un filtro del registro de llamadas');
  });

  it('shows a call’s detail: timeline, transcript, recording player, the message and booking it produced', async () => {
    const simulated = await page(brightHost(), `/calls/${ids.simulated}`, owner);
    expect(simulated.status).toBe(200);
    expect(simulated.text).toContain('data-testid="call-timeline"');
    expect(simulated.text).toContain('50%_off coupons? It&#x27;s for O&#x27;Brien');
    expect(simulated.text).toContain('Ringing');
    expect(simulated.text).toContain('This call was not recorded.');
    const extras = await page(brightHost(), `/calls/${ids.withExtras}`, owner);
    expect(extras.status).toBe(200);
    const recording = await em().findOneOrFail(CallRecording, { call: ids.withExtras });
    expect(extras.text).toMatch(new RegExp(`<audio controls preload="none" src="/calls/${ids.withExtras}/recording\\?id&#x3D;${recording.id}"`));
    expect(extras.text).toContain('data-testid="call-message"');
    expect(extras.text).toContain('Please call me about my crown.');
    expect(extras.text).toContain('data-testid="call-booking"');
    expect(extras.text).toContain('Cleaning');
  });

  it('keeps each client’s calls its own: another client’s call is 404, like one that never was', async () => {
    expect((await page(seasideHost(), `/calls/${ids.simulated}`, harborOwner)).status).toBe(404);
    expect((await page(brightHost(), `/calls/${ids.seaside}`, owner)).status).toBe(404);
    expect((await page(brightHost(), `/calls/${randomUUID()}`, owner)).status).toBe(404);
    expect((await page(brightHost(), '/calls/not-a-uuid', owner)).status).toBe(404);
    expect(rowIds((await page(seasideHost(), '/calls', harborOwner)).text)).toEqual([ids.seaside]);
    const anonymous = await t.http(brightHost()).get('/calls').set('Accept', 'text/html');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login');
  });

  it('shows the brand admin every client with its figures and health, and audits a drill-down into a dashboard', async () => {
    const overview = await page(adminHost(), '/admin/overview', admin);
    expect(overview.status).toBe(200);
    const row = (slug: string) => new RegExp(`<tr data-testid="overview-client" data-client-id="[^"]+" data-slug="${slug}"[^>]*>[\\s\\S]*?</tr>`).exec(overview.text)?.[0] ?? '';
    expect(row('bright-smile')).toContain(`data-calls="${brightCalls.length}"`);
    expect(row('bright-smile')).toContain('data-testid="overview-healthy"');
    const pipes = row('pipe-pros');
    expect(pipes).toContain('data-calls="2"');
    expect(pipes).toContain('data-previous-calls="10"');
    expect(pipes).toContain('data-flag="callsDown"');
    expect(pipes).toContain('data-flag="paymentFailed"');
    expect(pipes).toContain('data-flag="setupIncomplete"');
    expect(overview.text).not.toContain('seaside');

    const brightId = (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
    // The admin's browser: its CSRF cookie and session, and the form token the overview handed out.
    const session = admin;
    const token = /name="_csrf" value="([^"]+)"/.exec(overview.text)![1]!;
    // Another brand's client cannot be opened, and nothing is recorded for it.
    expect((await t.http(adminHost()).post(`/admin/overview/clients/${ids.seasideClient}/open`).set('Cookie', session).type('form').send({ _csrf: token })).status).toBe(404);
    expect((await t.http(adminHost()).post(`/admin/overview/clients/${brightId}/open`).set('Cookie', session).type('form').send({ _csrf: 'forged' })).status).toBe(403);
    expect(await em().count(AdminAccessLog, {})).toBe(0);

    const opened = await t.http(adminHost()).post(`/admin/overview/clients/${brightId}/open`).set('Cookie', session).type('form').send({ _csrf: token });
    expect(opened.status).toBe(303);
    const target = new URL(opened.headers.location as string);
    expect(target.hostname).toBe(brightHost());
    expect(target.pathname).toBe('/admin/enter');
    const audit = await em().find(AdminAccessLog, {});
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ clientSlug: 'bright-smile', userEmail: t.logins.brandAdmin.email, action: 'dashboard' });

    const entered = await t.http(brightHost()).get(`${target.pathname}${target.search}`);
    expect(entered.status).toBe(303);
    expect(entered.headers.location).toBe('/dashboard');
    const adminOnClient = (entered.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).find((c) => c.startsWith('tero_session='))!;
    const calls = await page(brightHost(), '/calls?limit=100', adminOnClient);
    expect(calls.status).toBe(200);
    expect(rowIds(calls.text)).toEqual(brightCalls);
    // On the client's host the admin sees the client's navigation and a banner naming the client with the way
    // back to the brand's overview, not the brand's own links (which lead nowhere on this host).
    for (const [path, lang, words] of [
      ['/calls', 'en', 'Viewing Bright Smile Dental as brand admin'],
      ['/dashboard', 'es', 'Viendo Bright Smile Dental como administrador de la marca'],
    ] as const) {
      const viewed = await page(brightHost(), `${path}?lang=${lang}`, adminOnClient);
      expect(viewed.status).toBe(200);
      const banner = /<p class="notice" role="status" data-testid="drill-down-banner">([\s\S]*?)<\/p>/.exec(viewed.text)?.[1] ?? '';
      expect(banner).toContain(words);
      expect(/href="([^"]+)" data-testid="drill-down-back"/.exec(banner)?.[1]).toBe(`http://${adminHost()}:3000/admin/overview`);
      expect(viewed.text).toContain('data-testid="nav-calls"');
      expect(viewed.text).not.toContain('data-testid="nav-overview"');
      expect(viewed.text).not.toContain('href="/admin/clients"');
    }
    // The link works once.
    expect((await t.http(brightHost()).get(`${target.pathname}${target.search}`)).status).toBe(401);
    const after = await page(adminHost(), '/admin/overview', admin);
    expect(after.text).toContain('data-testid="overview-access" data-client-slug="bright-smile"');
    // On the brand's own host the admin has the brand's navigation and no drill-down banner.
    expect(after.text).toContain('data-testid="nav-overview"');
    expect(after.text).not.toContain('data-testid="drill-down-banner"');
  });
});
