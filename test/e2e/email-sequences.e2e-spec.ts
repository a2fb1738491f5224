import { generateKeyPairSync, sign } from 'node:crypto';
import { type OutboxEmail } from '@tero/core';
import { Brand, Client, EmailEnrollment, EmailProviderEvent, EmailSentStep, EmailTrackingEvent, EmailUnsubscribe, User } from '@tero/db';
import { ONBOARDING_EVENTS, ONBOARDING_SEQUENCE_IDS } from '@tero/onboarding';
import { CALL_EVENTS } from '@tero/telephony';
import { type TestApp, createTestApp } from './create-test-app';

/**
 * Acceptance 4 of the e-mail work, on SQLite with in-process jobs and on PostgreSQL + Redis with BullMQ:
 * the onboarding sequences enroll on `onboarding.started` (published on the bus as the wizard does), each
 * step goes once however often the sweep runs, `onboarding.completed` stops the reminders, the pixel and
 * click links are recorded once and redirect only to signed targets, and an unsubscribe stops the
 * follow-ups but not transactional mail; SendGrid's signed event webhook (a real P-256 key pair) is taken
 * once and refused with 401 when it does not verify. Time moves only through the app's pinned clock.
 */
describe('e-mail sequences (e2e)', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  let t: TestApp;
  let now = new Date('2026-12-01T09:00:00.000Z');
  let ids: { brandId: string; clientId: string; ownerId: string; ownerEmail: string };
  // SendGrid's signing key pair for the event webhook; the app holds the public half, as an operator pastes it.
  const webhookKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeAll(async () => {
    t = await createTestApp({
      clock: () => now,
      env: {
        PLUGINS: 'email-sendgrid',
        EMAIL_SENDGRID_API_KEY: 'SG.e2e-key-not-used-for-sending',
        EMAIL_SENDGRID_WEBHOOK_PUBLIC_KEY: webhookKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      },
    });
    const em = t.kernel.db.forInstance('test: find the demo owner');
    const owner = await em.findOneOrFail(User, { email: t.logins.owner.email }, { populate: ['client'] });
    const client = await em.findOneOrFail(Client, { id: owner.client!.id });
    ids = { brandId: client.brand.id, clientId: client.id, ownerId: owner.id, ownerEmail: owner.email };
  }, 120_000);
  afterAll(() => t?.close());

  const ctx = () => ({ brandId: ids.brandId, clientId: ids.clientId, locale: 'en' });
  const db = () => t.kernel.db.forInstance('test: read e-mail state');
  const mails = async (): Promise<OutboxEmail[]> => (await t.kernel.outbox.list({ limit: 200 })).filter((m) => m.to.includes(ids.ownerEmail)).reverse();
  const subjects = async () => (await mails()).map((m) => m.subject);
  const countOf = async (subject: string) => (await subjects()).filter((s) => s === subject).length;
  const sweepTwice = async () => {
    expect((await t.kernel.emailSequences.sweep()).failed).toBe(0);
    expect((await t.kernel.emailSequences.sweep()).failed).toBe(0);
    await t.kernel.jobs.drain();
  };
  /** Waits for what an event's subscribers do (they run after the publisher returns). */
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const enrollment = (sequenceId: string) => db().findOne(EmailEnrollment, { client: ids.clientId, user: ids.ownerId, sequenceId });
  const get = (url: string) => {
    const u = new URL(url);
    return t.http(u.host.replace(/:\d+$/, '')).get(`${u.pathname}${u.search}`);
  };
  const post = (url: string) => {
    const u = new URL(url);
    return t.http(u.host.replace(/:\d+$/, '')).post(`${u.pathname}${u.search}`);
  };

  it('enrolls on onboarding.started and sends the welcome once, from the brand, with a plain-text alternative', async () => {
    await t.kernel.events.publish({ type: ONBOARDING_EVENTS.started, brandId: ids.brandId, clientId: ids.clientId, payload: { userId: ids.ownerId } });
    await until('the enrollments', async () => (await enrollment(ONBOARDING_SEQUENCE_IDS.reminders)) !== null && (await enrollment(ONBOARDING_SEQUENCE_IDS.welcome)) !== null);
    // The bus told twice (two replicas, a retry) enrolls once.
    await t.kernel.events.publish({ type: ONBOARDING_EVENTS.started, brandId: ids.brandId, clientId: ids.clientId, payload: { userId: ids.ownerId } });
    await t.kernel.jobs.drain();
    await sweepTwice();

    const welcome = (await mails()).filter((m) => m.subject.startsWith('Welcome to '));
    expect(welcome).toHaveLength(1);
    const brand = await db().findOneOrFail(Brand, { id: ids.brandId });
    expect(welcome[0].from).toBe(`${brand.name} <${brand.senderEmail}>`);
    expect(welcome[0].text).toContain('Start the setup');
    expect(welcome[0].html).toContain('/e/o/');
    // Transactional: no unsubscribe link.
    expect(welcome[0].headers['List-Unsubscribe'] ?? welcome[0].headers['list-unsubscribe']).toBeUndefined();
    expect(await db().count(EmailEnrollment, { client: ids.clientId, user: ids.ownerId })).toBe(2);
  });

  it('sends the setup guide after an hour and the day-1 reminder after a day, once each even with two sweeps', async () => {
    now = new Date(now.getTime() + HOUR);
    await sweepTwice();
    expect(await countOf('Your setup guide: five steps to your first call')).toBe(1);

    now = new Date(now.getTime() + DAY);
    await sweepTwice();
    await sweepTwice();
    const reminders = (await mails()).filter((m) => m.subject.includes('your receptionist is waiting for you'));
    expect(reminders).toHaveLength(1);
    const headers = reminders[0].headers;
    expect(headers['List-Unsubscribe']).toMatch(/^<http:\/\/.+\/e\/u\/.+>$/);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const reminderEnrollment = await enrollment(ONBOARDING_SEQUENCE_IDS.reminders);
    expect(await db().count(EmailSentStep, { enrollment: reminderEnrollment!.id })).toBe(1);
  });

  it('records the open pixel and a click once per link, and redirects only to the signed target', async () => {
    const reminder = (await mails()).find((m) => m.subject.includes('your receptionist is waiting for you'))!;
    const pixel = /<img src="([^"]+\/e\/o\/[^"]+)"/.exec(reminder.html!)![1].replace(/&amp;/g, '&');
    const click = /<a href="([^"]+\/e\/c\/[^"]+)"/.exec(reminder.html!)![1].replace(/&amp;/g, '&');
    const messageId = reminder.headers['X-Tero-Message-Id'];

    for (let i = 0; i < 2; i++) {
      const res = await get(pixel);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/gif');
      expect(res.headers['cache-control']).toContain('no-store');
    }
    const redirected = await get(click);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.location).toMatch(/^http:\/\/bright-smile\..+\/setup$/);

    const events = await db().find(EmailTrackingEvent, { messageId }, { orderBy: { kind: 'asc' } });
    expect(events.map((e) => [e.kind, e.count])).toEqual([
      ['click', 1],
      ['open', 2],
    ]);

    // A token changed by one character, or carrying another URL, is refused and records nothing.
    const tampered = click.replace(/\/e\/c\/(.)/, (_m, c: string) => `/e/c/${c === 'e' ? 'f' : 'e'}`);
    expect([400, 404]).toContain((await get(tampered)).status);
    const [payload, mac] = click.split('/e/c/')[1].split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    forged.u = 'https://evil.example/phish';
    const forgedUrl = `${click.split('/e/c/')[0]}/e/c/${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`;
    const refused = await get(forgedUrl);
    expect([400, 404]).toContain(refused.status);
    expect(refused.headers.location).toBeUndefined();
    expect((await get(pixel.replace(/\.?[^./]+$/, '.AAAA'))).status).toBe(404);
    expect(await db().count(EmailTrackingEvent, { messageId })).toBe(2);
    expect((await db().findOneOrFail(EmailTrackingEvent, { messageId, kind: 'open' })).count).toBe(2);
  });

  it('stops the reminders once the wizard completes: day 3 and day 7 are never sent', async () => {
    await t.kernel.events.publish({ type: ONBOARDING_EVENTS.completed, brandId: ids.brandId, clientId: ids.clientId, payload: {} });
    await until('the reminders to stop', async () => (await enrollment(ONBOARDING_SEQUENCE_IDS.reminders))?.status === 'completed');
    await until('the follow-ups', async () => (await enrollment(ONBOARDING_SEQUENCE_IDS.followUps)) !== null);

    for (const days of [3, 7]) {
      now = new Date(Date.parse('2026-12-01T09:00:00.000Z') + days * DAY + HOUR);
      await sweepTwice();
    }
    expect(await countOf('Finish setting up Bright Smile Dental')).toBe(0);
    expect((await subjects()).some((s) => /Finish setting up|Need a hand/.test(s))).toBe(false);
  });

  it('an unsubscribe stops the follow-ups but not transactional mail', async () => {
    const reminder = (await mails()).find((m) => m.subject.includes('your receptionist is waiting for you'))!;
    const link = /^<(.+)>$/.exec(reminder.headers['List-Unsubscribe'])![1];

    const page = await get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post"');
    expect(await db().count(EmailUnsubscribe, { email: ids.ownerEmail })).toBe(0);

    const done = await post(link).type('application/x-www-form-urlencoded').send('List-Unsubscribe=One-Click');
    expect(done.status).toBe(200);
    expect(await db().count(EmailUnsubscribe, { brand: ids.brandId, email: ids.ownerEmail, category: 'onboarding' })).toBe(1);
    expect((await enrollment(ONBOARDING_SEQUENCE_IDS.followUps))?.status).toBe('unsubscribed');
    // Twice is the same as once.
    expect((await post(link).type('application/x-www-form-urlencoded').send('List-Unsubscribe=One-Click')).status).toBe(200);
    expect(await db().count(EmailUnsubscribe, { email: ids.ownerEmail })).toBe(1);

    // The first call is account mail: it still arrives.
    await t.kernel.events.publish({ type: CALL_EVENTS.ended, brandId: ids.brandId, clientId: ids.clientId, payload: { callSid: 'e2e-first-call' } });
    await until('the first-call enrollment', async () => (await enrollment(ONBOARDING_SEQUENCE_IDS.firstCall)) !== null);
    await t.kernel.jobs.drain();
    await t.kernel.events.publish({ type: CALL_EVENTS.ended, brandId: ids.brandId, clientId: ids.clientId, payload: { callSid: 'e2e-second-call' } });

    now = new Date(Date.parse('2026-12-01T09:00:00.000Z') + 40 * DAY);
    await sweepTwice();
    expect(await countOf('Your receptionist answered its first call')).toBe(1);
    expect(await countOf('Three tips for your receptionist')).toBe(0);
    expect((await subjects()).some((s) => s.startsWith('Your first month with'))).toBe(false);
  });

  describe('SendGrid event webhook', () => {
    const signed = (body: string, key = webhookKeys.privateKey, timestamp = String(Math.floor(Date.now() / 1000))) => ({
      'X-Twilio-Email-Event-Webhook-Signature': sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key, dsaEncoding: 'der' }).toString('base64'),
      'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    });
    const deliver = (body: string, headers: Record<string, string>, path = '/hooks/email/sendgrid/demo') => {
      let req = t.http(t.logins.operator.host).post(path).set('Content-Type', 'application/json');
      for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
      return req.send(body);
    };
    const stored = () => db().count(EmailProviderEvent, { brand: ids.brandId });

    it('refuses a tampered body, an old timestamp and another key with 401, recording nothing', async () => {
      const body = JSON.stringify([{ email: 'x@example.test', timestamp: 1_700_000_000, event: 'bounce', sg_event_id: 'e2e-bounce-1' }]);
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      const cases = [
        { body: body.replace('x@example', 'y@example'), headers: signed(body) },
        { body, headers: signed(body, webhookKeys.privateKey, String(Math.floor(Date.now() / 1000) - 3600)) },
        { body, headers: signed(body, other) },
        { body, headers: {} },
      ];
      for (const c of cases) {
        const res = await deliver(c.body, c.headers);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('email.webhook_unverified');
      }
      expect(await stored()).toBe(0);
      expect(await db().count(EmailUnsubscribe, { email: 'x@example.test' })).toBe(0);
      expect((await deliver(body, signed(body), '/hooks/email/mailgun/demo')).status).toBe(404);
      expect((await deliver(body, signed(body), '/hooks/email/sendgrid/no-such-brand')).status).toBe(404);
    });

    it('takes a signed delivery once: opens and clicks join our tracking, a bounce suppresses the address', async () => {
      const reminder = (await mails()).find((m) => m.subject.includes('your receptionist is waiting for you'))!;
      const messageId = reminder.headers['X-Tero-Message-Id'];
      const args = { tero_message_id: messageId, tero_brand_id: ids.brandId, tero_client_id: ids.clientId };
      const body = JSON.stringify([
        { email: ids.ownerEmail, timestamp: 1_700_000_000, event: 'delivered', sg_event_id: 'e2e-delivered', sg_message_id: 'sg-1', ...args },
        { email: ids.ownerEmail, timestamp: 1_700_000_100, event: 'click', url: 'https://docs.example.test/guide', sg_event_id: 'e2e-click', sg_message_id: 'sg-1', ...args },
        { email: 'gone@example.test', timestamp: 1_700_000_200, event: 'bounce', sg_event_id: 'e2e-bounce-2', reason: '550 5.1.1 unknown' },
      ]);
      const first = await deliver(body, signed(body));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ received: 3, duplicates: 0, tracked: 1, suppressed: 1 });
      const again = await deliver(body, signed(body));
      expect(again.body).toMatchObject({ received: 3, duplicates: 3, tracked: 0, suppressed: 0 });

      expect(await stored()).toBe(3);
      const clicks = await db().find(EmailTrackingEvent, { messageId, kind: 'click' });
      expect(clicks.map((c) => [c.url, c.count])).toEqual(
        expect.arrayContaining([['https://docs.example.test/guide', 1]]),
      );
      expect((await db().find(EmailUnsubscribe, { brand: ids.brandId, email: 'gone@example.test' })).map((u) => [u.category, u.source])).toEqual([['all', 'email-sendgrid:bounce']]);
    });
  });
});
