import 'reflect-metadata';
import { join } from 'node:path';
import { InProcessEventBus, InProcessJobQueue, createI18n } from '@tero/core';
import { Brand, Client, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { TRANSFER_EVENTS, type TransferFailedPayload } from './transfer-events';
import { TRANSFER_NOTICE_JOB, TransferNotices, transferNoticeJobId } from './transfer-notices';

const quiet = pino({ level: 'silent' });

describe('TransferNotices', () => {
  let t: TestDatabase;
  let jobs: InProcessJobQueue;
  let events: InProcessEventBus;
  let notices: TransferNotices;
  let ctx: TenantContext;
  let otherCtx: TenantContext;
  const sent: { ctx: TenantContext; message: EmailMessage }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Acme Voice', slug: 'acme', supportEmail: 'help@acme.test', senderEmail: 'calls@acme.test' });
    const client = em.create(Client, { brand, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'America/New_York', locale: 'en' });
    const other = em.create(Client, { brand, name: 'Other Shop', slug: 'other', professionPack: 'plumber', timezone: 'Europe/Paris' });
    em.create(User, { brand, client, email: 'olivia@bright.test', name: 'Olivia', role: 'client_owner' });
    em.create(User, { brand, client, email: 'odile@bright.test', name: 'Odile', role: 'client_owner', locale: 'fr' });
    em.create(User, { brand, client, email: 'frank@bright.test', name: 'Frank', role: 'client_staff' });
    em.create(User, { brand, client: other, email: 'owner@other.test', name: 'Otto', role: 'client_owner' });
    await em.flush();
    ctx = { brandId: brand.id, clientId: client.id, locale: 'en' };
    otherCtx = { brandId: brand.id, clientId: other.id, locale: 'en' };
    jobs = new InProcessJobQueue(quiet);
    events = new InProcessEventBus(quiet);
    notices = new TransferNotices({
      db: t.db,
      jobs,
      mail: { send: async (mailCtx, message) => (sent.push({ ctx: mailCtx, message }), `mail-${sent.length}`) },
      i18n: await createI18n(join(__dirname, '../../../../locales')),
      logger: quiet,
    });
    notices.register();
    notices.listen(events);
    await jobs.start({ process: true });
  });
  afterAll(async () => {
    await jobs.close();
    await events.close();
    await t.drop();
  });
  beforeEach(() => sent.splice(0));

  const payload = (over: Partial<TransferFailedPayload> = {}): TransferFailedPayload => ({
    callSid: `call-${Math.random().toString(36).slice(2)}`,
    callId: 'call-row-1',
    callerNumber: '+15557770001',
    callerName: 'Maria Lopez',
    to: '+15550100199',
    reason: 'human',
    status: 'no-answer',
    sipStatus: 487,
    queueSeconds: null,
    followUp: 'message',
    message: 'Please call me about my crown.',
    messageId: 'msg-1',
    urgent: false,
    locale: 'en',
    startedAt: '2026-03-09T15:00:00.000Z',
    ...over,
  });
  /** Publishes the event and waits for its job to be queued and run. */
  async function publish(p: TransferFailedPayload, on: TenantContext = ctx) {
    await events.publish({ type: TRANSFER_EVENTS.failed, brandId: on.brandId, clientId: on.clientId!, payload: p });
    for (let i = 0; i < 50 && !(await jobs.get(TRANSFER_NOTICE_JOB, transferNoticeJobId(p.callSid))); i++) await new Promise((r) => setImmediate(r));
    await jobs.drain();
  }

  it('e-mails each owner of the client (not its staff, not another client\'s owners) in their own language', async () => {
    await publish(payload());
    expect(sent.map((s) => s.message.to[0]).sort()).toEqual(['odile@bright.test', 'olivia@bright.test']);
    expect(sent.every((s) => s.ctx.clientId === ctx.clientId)).toBe(true);
    const english = sent.find((s) => s.message.to[0] === 'olivia@bright.test')!.message;
    expect(english).toMatchObject({ from: 'Acme Voice <calls@acme.test>', replyTo: 'help@acme.test', subject: 'Missed transfer: Maria Lopez (+15557770001) could not reach Bright Smile' });
    expect(english.text).toContain('Hello Olivia,');
    // The time is the client's (New York), not the server's.
    expect(english.text).toContain('Maria Lopez (+15557770001) called Bright Smile on Monday, March 9, 2026 at 11:00 AM and asked to speak to someone. The call was put through to +15550100199, but no one answered.');
    expect(english.text).toContain('They left this message:\n“Please call me about my crown.”');
    expect(english.html).toContain('<blockquote>Please call me about my crown.</blockquote>');
    const french = sent.find((s) => s.message.to[0] === 'odile@bright.test')!.message;
    expect(french.subject).toBe('Transfert manqué : Maria Lopez (+15557770001) n\'a pas pu joindre Bright Smile');
    expect(french.text).toContain('mais personne n\'a répondu.');
  });

  it('sends one notice per call however often the event is told', async () => {
    const p = payload({ followUp: 'callback', message: null, messageId: null, status: 'busy' });
    await publish(p);
    await publish(p);
    await notices.enqueue(ctx, p);
    await jobs.drain();
    expect(sent).toHaveLength(2);
    expect(sent[0]!.message.text).toContain('but the line was busy.');
    expect(sent[0]!.message.text).toContain('asked to be called back on +15557770001');
  });

  it('says how long the caller waited in the queue, that it was urgent, and when nothing was left', async () => {
    await publish(payload({ followUp: 'none', message: null, queueSeconds: 95, urgent: true, callerName: null, status: 'weird-status' }), otherCtx);
    expect(sent).toHaveLength(1);
    const mail = sent[0]!.message;
    expect(mail.to).toEqual(['owner@other.test']);
    expect(mail.subject).toBe('Urgent missed transfer: +15557770001 could not reach Other Shop');
    expect(mail.text).toContain('but it did not connect (weird-status).');
    expect(mail.text).toContain('waited in the queue for 1 min 35 s');
    expect(mail.text).toContain('The caller said it was urgent.');
    expect(mail.text).toContain('They did not leave a message. Their number: +15557770001.');
  });

  it('escapes what the caller said in the HTML', async () => {
    await publish(payload({ message: '<b>call</b> me & "soon"' }));
    expect(sent[0]!.message.html).toContain('&lt;b&gt;call&lt;/b&gt; me &amp; &quot;soon&quot;');
  });

  it('ignores an event that names no client or call', async () => {
    await events.publish({ type: TRANSFER_EVENTS.failed, brandId: ctx.brandId, clientId: null, payload: payload() });
    await events.publish({ type: TRANSFER_EVENTS.failed, brandId: ctx.brandId, clientId: ctx.clientId!, payload: { nothing: true } });
    await new Promise((r) => setImmediate(r));
    await jobs.drain();
    expect(sent).toHaveLength(0);
  });
});
