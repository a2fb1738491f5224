import 'reflect-metadata';
import { join } from 'node:path';
import { ValidationError } from '@tero/accounts';
import { type EventBus, type JobQueue, createEventBus, createI18n, createJobQueue } from '@tero/core';
import { Brand, Call, Client, ReportDelivery, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { type Analytics, createAnalytics } from '../summary/analytics';
import { pdfText } from '../../../core/src/testing/pdf-text';
import { Reports } from './reports.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
/** Tuesday 24 November 2026, 16:00 in Paris. */
const NOW = new Date('2026-11-24T15:00:00Z');
const logger = pino({ level: 'silent' });

describe.each(kinds)('scheduled reports on %s', (kind) => {
  let t: TestDatabase;
  let jobs: JobQueue;
  let events: EventBus;
  let i18n: I18nInstance;
  let analytics: Analytics;
  let ctx: TenantContext & { clientId: string };
  let sent: { ctx: TenantContext; message: EmailMessage }[];
  let failNext = 0;

  function reports(): Reports {
    return new Reports({
      db: t.db,
      jobs,
      i18n,
      send: async (to, message) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('the queue is down');
        }
        sent.push({ ctx: to, message });
      },
      clientUrl: (_brand, client) => `http://${client.slug}.acme.localhost:3000`,
      themeTokens: () => undefined,
      logger,
      clock: () => NOW,
      summary: (c, range) => analytics.summary(c, range),
    });
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    jobs = await createJobQueue({ logger, prefix: 'spec' });
    events = await createEventBus({ logger, prefix: 'spec' });
    i18n = await createI18n(join(__dirname, '../../../../locales'));
    analytics = createAnalytics({ db: t.db, jobs, events, logger, clock: () => NOW });
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Acme Voice', slug: 'acme', supportEmail: 'help@acme.test', senderEmail: 'hello@acme.test', currency: 'EUR' });
    const client = em.create(Client, { brand, name: 'Cabinet Dentaire Lumière', slug: 'lumiere', professionPack: 'dentist', timezone: 'Europe/Paris', locale: 'fr', createdAt: new Date('2026-09-01T08:00:00Z') });
    em.create(User, { brand, client, email: 'amelie@lumiere.test', name: 'Amélie', role: 'client_owner' });
    em.create(User, { brand, client, email: 'john@lumiere.test', name: 'John', role: 'client_owner', locale: 'en' });
    em.create(User, { brand, client, email: 'staff@lumiere.test', name: 'Front desk', role: 'client_staff' });
    // A client that joined this week has no complete week with us yet; a suspended one gets nothing.
    const fresh = em.create(Client, { brand, name: 'Nouveau', slug: 'nouveau', professionPack: 'dentist', timezone: 'Europe/Paris', createdAt: new Date('2026-11-23T10:00:00Z') });
    em.create(User, { brand, client: fresh, email: 'owner@nouveau.test', name: 'N', role: 'client_owner' });
    const suspended = em.create(Client, { brand, name: 'Suspendu', slug: 'suspendu', professionPack: 'dentist', timezone: 'Europe/Paris', status: 'suspended', createdAt: new Date('2026-01-01T10:00:00Z') });
    em.create(User, { brand, client: suspended, email: 'owner@suspendu.test', name: 'S', role: 'client_owner' });
    // Last week (W47): three calls, two booked; the week before: one.
    let n = 0;
    const call = (at: string, outcome: 'booked' | 'answered') => {
      const startedAt = new Date(at);
      em.create(Call, { brand, client, callSid: `sid-${++n}`, fromNumber: '+33600000000', toNumber: '+33100000000', route: 'open', outcome, startedAt, endedAt: new Date(startedAt.getTime() + 60_000), durationSeconds: 60 });
    };
    call('2026-11-17T09:00:00Z', 'booked');
    call('2026-11-18T09:00:00Z', 'booked');
    call('2026-11-19T09:00:00Z', 'answered');
    call('2026-11-11T09:00:00Z', 'answered');
    await em.flush();
    ctx = { brandId: brand.id, clientId: client.id, locale: 'fr' };
    for (const day of ['2026-11-11', '2026-11-17', '2026-11-18', '2026-11-19']) await analytics.rollups.recompute(ctx, day);
  });

  afterAll(async () => {
    await jobs.close();
    await events.close();
    await t.drop();
  });

  beforeEach(() => {
    sent = [];
    failNext = 0;
  });

  it("sends the default reports (weekly, monthly) of the last complete periods to the owners, one e-mail per language", async () => {
    const result = await reports().sweep();
    expect(result).toEqual({ sent: 2, skipped: 2, failed: 0 }); // the new client's week and month were before it existed
    expect(sent.map(({ message }) => [message.to.join(' '), message.subject]).sort()).toEqual([
      ['amelie@lumiere.test', 'Rapport hebdomadaire de Cabinet Dentaire Lumière : 16 nov. 2026 – 22 nov. 2026'],
      ['amelie@lumiere.test', 'Rapport mensuel de Cabinet Dentaire Lumière : 1 oct. 2026 – 31 oct. 2026'],
      ['john@lumiere.test', 'Monthly report for Cabinet Dentaire Lumière: Oct 1, 2026 – Oct 31, 2026'],
      ['john@lumiere.test', 'Weekly report for Cabinet Dentaire Lumière: Nov 16, 2026 – Nov 22, 2026'],
    ]);
    const weekly = sent.find(({ message }) => message.subject.startsWith('Weekly'))!.message;
    expect(weekly.from).toBe('Acme Voice <hello@acme.test>');
    expect(weekly.text).toContain('Calls: 3 (+200%)');
    expect(weekly.text).toContain('http://lumiere.acme.localhost:3000/reports');
    const attachment = weekly.attachments![0]!;
    expect([attachment.filename, attachment.contentType]).toEqual(['report-2026-W47.pdf', 'application/pdf']);
    const { text } = await pdfText(Buffer.from(attachment.contentBase64, 'base64'));
    expect(text).toContain('Cabinet Dentaire Lumière');
    expect(text).toContain('Weekly report');
    const rows = await t.db.forTenant(ctx).find(ReportDelivery, {}, { orderBy: { kind: 'asc' } });
    expect(rows.map((r) => [r.kind, r.periodKey, r.recipients])).toEqual([['monthly', '2026-10', 2], ['weekly', '2026-W47', 2]]);
  });

  it('sends nothing more for periods already sent', async () => {
    expect(await reports().sweep()).toEqual({ sent: 0, skipped: 4, failed: 0 });
    expect(sent).toEqual([]);
  });

  it('forgets a report whose e-mail could not be queued, so that the next sweep sends it', async () => {
    const service = reports();
    await service.saveChoices(ctx, { daily: 'on', weekly: 'on', monthly: 'on', _csrf: 'x' });
    failNext = 1;
    expect(await service.sweep()).toEqual({ sent: 0, skipped: 4, failed: 1 });
    expect(await t.db.forTenant(ctx).count(ReportDelivery, { kind: 'daily' })).toBe(0);
    expect(await service.sweep()).toEqual({ sent: 1, skipped: 4, failed: 0 });
    expect(sent.map(({ message }) => message.attachments?.[0]?.filename).sort()).toEqual(['report-2026-11-23.pdf', 'report-2026-11-23.pdf']);
  });

  it('keeps the choices a form saves, and refuses unknown reports and values', async () => {
    const service = reports();
    expect(await service.saveChoices(ctx, { monthly: 'on' })).toEqual({ daily: false, weekly: false, monthly: true });
    expect(await service.choices(ctx)).toEqual({ daily: false, weekly: false, monthly: true });
    await expect(service.saveChoices(ctx, { yearly: 'on', weekly: 'maybe' })).rejects.toThrow(ValidationError);
    expect(await service.choices(ctx)).toEqual({ daily: false, weekly: false, monthly: true });
  });
});
