import type { AddressInfo } from 'node:net';
import { AgentProfile, Booking, Brand, Call, CallEvent, Client } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { CONFIRMATION_EVENTS, JambonzSimulator, type SimulatedCall, createCallTools, scriptedCaller } from '@tero/telephony';
import { FakeJambonzServer } from '../../libs/telephony/src/testing';
import { type TestApp, createTestApp, signIn } from './create-test-app';
import { expectValidVerbs } from './jambonz-hook-requests';

jest.setTimeout(120_000);

/** Monday 9 March 2026, 10:15 in New York (Bright Smile's zone): the clock runs from there. */
const BASE = Date.parse('2026-03-09T14:15:00Z');
const BOOK_A_CLEANING = ["Hi, I'd like to book a teeth cleaning for tomorrow morning.", 'My name is Maria Lopez.', 'Yes, that works. Please book it.'];
const TEXTED_LINE = "I've also sent you a text message confirming it.";

/**
 * Booking confirmations by text on the real app (SQLite, or PostgreSQL + Redis with
 * TEST_BACKEND=postgres-redis), the demo brand connected to a local fake jambonz api-server whose
 * account has a carrier with SMPP: a caller books through the simulator and gets exactly one text from
 * the number they called, with the business, the service and the local time, and the call's timeline
 * says it was texted; the same tool call again sends nothing more; with the client's switch off nothing
 * is sent and the agent says nothing of a text.
 */
describe('booking confirmations by text', () => {
  let t: TestApp;
  let fake: FakeJambonzServer;
  let jambonz: { accountSid: string; apiKey: string };
  let baseUrl: string;
  let brandCtx: TenantContext;
  let ctx: TenantContext;
  let owner: string;
  const bright = () => t.lines[0]!;
  const em = () => t.kernel.db.forInstance('e2e assertions');
  /** What the calls left behind written, every job done, and what the jobs recorded written too. */
  const settle = async () => {
    await t.kernel.telephony.writer.flush();
    await t.kernel.jobs.drain();
    await t.kernel.telephony.writer.flush();
  };
  const messagePosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/Accounts/${jambonz.accountSid}/Messages`);
  const call = (from: string): Promise<SimulatedCall> =>
    new JambonzSimulator({ baseUrl, secret: bright().secret, accountSid: bright().accountSid }).call({ from, to: bright().number, callerName: 'Maria Lopez', input: scriptedCaller(BOOK_A_CLEANING) });
  const agentLines = (simulated: SimulatedCall) => simulated.transcript.filter((line) => line.speaker === 'agent').map((line) => line.text);

  beforeAll(async () => {
    fake = await FakeJambonzServer.start();
    jambonz = fake.seedAccount({ name: 'Demo Voice on jambonz' });
    fake.seedCarrier({ name: 'Acme SMS', account_sid: jambonz.accountSid, smpp_system_id: 'tero-demo', smpp_password: 'smpp-secret' });
    const realStart = Date.now();
    t = await createTestApp({ clock: () => new Date(BASE + (Date.now() - realStart)), env: { JAMBONZ_API_TIMEOUT_MS: '1500' } });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const brand = await em().findOneOrFail(Brand, { slug: 'demo' });
    const client = await em().findOneOrFail(Client, { slug: 'bright-smile' });
    brandCtx = { brandId: brand.id, clientId: null, locale: 'en' };
    ctx = { brandId: brand.id, clientId: client.id, locale: 'en' };
    // The brand admin's connection, as the telephony page saves it (checked against jambonz first).
    await t.kernel.provisioning.connections.set(brandCtx, { baseUrl: fake.url, accountSid: jambonz.accountSid, apiKey: jambonz.apiKey });
    await settle();
    owner = await signIn(t, t.logins.owner);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  let texted: { callSid: string; bookingId: string };

  it('texts the caller once after the booking, from the number they called, and the call detail says so', async () => {
    const simulated = await call('+15550101001');
    for (const exchange of simulated.exchanges) if (exchange.verbs) expectValidVerbs(exchange.verbs);
    expect(agentLines(simulated).filter((line) => line.includes(TEXTED_LINE))).toHaveLength(1);
    await settle();

    const row = await em().findOneOrFail(Call, { callSid: simulated.callSid });
    expect(row.outcome).toBe('booked');
    const booking = await em().findOneOrFail(Booking, { id: row.bookingId! });
    texted = { callSid: simulated.callSid, bookingId: booking.id };
    const when = new Intl.DateTimeFormat('en', { dateStyle: 'full', timeStyle: 'short', timeZone: 'America/New_York' }).format(booking.startsAt);
    expect(when).toMatch(/^Tuesday, March 10, 2026 at \d{1,2}:\d{2} AM$/);

    const posts = messagePosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      status: 200,
      body: { from: '15550100100', to: '15550101001', text: `Bright Smile Dental: your appointment for ${booking.serviceName} is confirmed for ${when}. To change it, call +15550100100.` },
    });
    const [message] = fake.messages(jambonz.accountSid);
    expect((posts[0]!.body as { text: string }).text.length).toBeLessThanOrEqual(300);

    const events = await em().find(CallEvent, { call: row.id, key: { $like: `${CONFIRMATION_EVENTS.texted}:%` } });
    expect(events).toEqual([expect.objectContaining({ data: { bookingId: booking.id, to: '+15550101001', from: '+15550100100', messageSid: message!.message_sid } })]);
    const detail = await t.http(t.logins.owner.host).get(`/calls/${row.id}`).set('Cookie', owner).set('Accept', 'text/html');
    expect(detail.status).toBe(200);
    expect(detail.text).toMatch(/<span class="badge">Confirmation texted<\/span>/);
  });

  it('sends nothing more when the same tool call comes again', async () => {
    const session = await t.kernel.telephony.sessions.get(texted.callSid);
    expect(session).not.toBeNull();
    const profile = await t.kernel.db.forTenant(ctx).findOneOrFail(AgentProfile, { client: ctx.clientId! });
    const tools = createCallTools(session!, { db: t.kernel.db, ledger: t.kernel.ledger, ctx, profile, confirmations: t.kernel.telephony.confirmations! });
    // Accepted again (it was sent): the caller is told the truth, and jambonz is not asked twice.
    expect(await tools.sendConfirmation({ bookingId: texted.bookingId })).toEqual({ sent: true });
    expect(await tools.sendConfirmation({ bookingId: texted.bookingId })).toEqual({ sent: true });
    await settle();
    expect(messagePosts()).toHaveLength(1);
    expect(fake.messages(jambonz.accountSid)).toHaveLength(1);
  });

  it('texts nothing, and the agent claims no text, once the client turns confirmations off', async () => {
    const profiles = t.kernel.db.forTenant(ctx);
    const profile = await profiles.findOneOrFail(AgentProfile, { client: ctx.clientId! });
    profile.textConfirmations = false;
    await profiles.flush();
    t.kernel.telephony.directory.invalidate();

    const simulated = await call('+15550101002');
    await settle();
    const row = await em().findOneOrFail(Call, { callSid: simulated.callSid });
    expect(row.outcome).toBe('booked');
    expect(agentLines(simulated).some((line) => /^You're all set/.test(line))).toBe(true);
    expect(agentLines(simulated).join(' ')).not.toMatch(/text|confirmation/i);
    expect(messagePosts()).toHaveLength(1);
    expect(await em().count(CallEvent, { call: row.id, key: { $like: 'confirmation_%' } })).toBe(0);
  });
});
