import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InProcessJobQueue, OutboxEmailTransport, OutboxReader, createI18n } from '@tero/core';
import { Brand, Client, EmailEnrollment, OnboardingState, User } from '@tero/db';
import { EmailTemplates, EmailTracking, SequenceEngine, TrackingTokens } from '@tero/notifications';
import type { TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { ONBOARDING_SEQUENCE_IDS, OnboardingEmails } from './onboarding-emails';

const ROOT = resolve(__dirname, '../../../..');
const DAY = 86_400_000;
const logger = pino({ level: 'silent' });
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('OnboardingEmails on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let jobs: InProcessJobQueue;
  let engine: SequenceEngine;
  let emails: OnboardingEmails;
  let ctx: TenantContext;
  let owners: User[];
  let now = new Date('2026-12-01T09:00:00.000Z');

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'tero-onboarding-emails-'));
    const em = t.db.forInstance('test seed');
    const brand = em.create(Brand, { name: 'Brand A', slug: 'brand-a', supportEmail: 'help@a.test', senderEmail: 'hello@a.test' });
    const client = em.create(Client, { brand, name: 'Clinic One', slug: 'clinic-one', professionPack: 'dentist', locale: 'fr' });
    owners = [
      em.create(User, { brand, client, email: 'first@a.test', name: 'First', role: 'client_owner', createdAt: new Date('2026-11-01T00:00:00Z') }),
      em.create(User, { brand, client, email: 'second@a.test', name: 'Second', role: 'client_owner', createdAt: new Date('2026-11-02T00:00:00Z') }),
    ];
    await em.flush();
    ctx = { brandId: brand.id, clientId: client.id, locale: 'en' };
    jobs = new InProcessJobQueue(logger);
    const transport = new OutboxEmailTransport(join(dir, 'outbox'));
    engine = new SequenceEngine({
      db: t.db,
      jobs,
      mail: { send: async (c, message) => (await transport.send(c, message)).messageId },
      templates: EmailTemplates.load(join(ROOT, 'themes'), await createI18n(join(ROOT, 'locales'))),
      tokens: new TrackingTokens('a-test-app-secret-of-at-least-32-characters'),
      tracking: new EmailTracking(t.db),
      themeTokens: () => ({}),
      clientUrl: () => 'https://clinic-one.example.test',
      logger,
      clock: () => now,
    });
    emails = new OnboardingEmails({ db: t.db, engine, logger });
    engine.register();
    await jobs.start();
  }, 60_000);
  afterAll(async () => {
    await jobs.close();
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const subjects = async () => (await new OutboxReader(join(dir, 'outbox')).list({ limit: 100 })).map((m) => `${m.to[0]} ${m.subject}`).reverse();
  const enrollments = () => t.db.forTenant(ctx).find(EmailEnrollment, {}, { orderBy: { sequenceId: 'asc', user: { email: 'asc' } }, populate: ['user'] });

  it('sign-up: the welcome at once in the client\'s language, and the reminders stop when the stored wizard state is complete', async () => {
    await emails.started(ctx, owners[0].id);
    await jobs.drain();
    expect(await subjects()).toEqual(['first@a.test Bienvenue chez Brand A, First']);

    // The wizard completed, but its event was never heard: the state stops the reminders anyway.
    const em = t.db.forTenant(ctx);
    em.create(OnboardingState, { brand: ctx.brandId, client: ctx.clientId!, completedAt: now });
    await em.flush();
    now = new Date(now.getTime() + DAY + 1);
    await engine.sweep();
    expect((await subjects()).filter((s) => s.includes('réceptionniste vous attend'))).toEqual([]);
    expect((await enrollments()).find((e) => e.sequenceId === ONBOARDING_SEQUENCE_IDS.reminders)?.status).toBe('completed');
  });

  it('the first ended call tells the first owner, once; completion enrolls every owner in the follow-ups', async () => {
    // Calls ending together (the usual first burst), then another one later.
    await Promise.all([emails.callEnded(ctx), emails.callEnded(ctx), emails.callEnded(ctx)]);
    await emails.callEnded(ctx);
    await jobs.drain();
    expect((await subjects()).filter((s) => s.includes('a répondu'))).toEqual(['first@a.test Votre réceptionniste a répondu à son premier appel']);

    await emails.completed(ctx);
    await emails.completed(ctx);
    const followUps = (await enrollments()).filter((e) => e.sequenceId === ONBOARDING_SEQUENCE_IDS.followUps);
    expect(followUps.map((e) => e.user.email)).toEqual(['first@a.test', 'second@a.test']);
  });
});
