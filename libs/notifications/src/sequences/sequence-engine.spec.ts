import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InProcessJobQueue, OutboxEmailTransport, OutboxReader, createI18n } from '@tero/core';
import { Brand, Client, EmailEnrollment, EmailSentStep, EmailUnsubscribe, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { EmailTracking } from '../tracking/email-tracking.service';
import { TrackingTokens } from '../tracking/tracking-tokens';
import { EmailTemplates } from './email-templates';
import type { EmailSequence } from './sequence';
import { SequenceEngine } from './sequence-engine';

const ROOT = resolve(__dirname, '../../../..');
const DAY = 86_400_000;
const logger = pino({ level: 'silent' });
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

const WELCOME: EmailSequence = { id: 'test.welcome', category: 'transactional', steps: [{ templateId: 'onboarding.welcome', delayMs: 0, ctaPath: '/setup' }] };
const REMINDERS: EmailSequence = {
  id: 'test.reminders',
  category: 'onboarding',
  goalEvent: 'test.done',
  steps: [
    { templateId: 'onboarding.reminderDay1', delayMs: DAY, ctaPath: '/setup' },
    { templateId: 'onboarding.reminderDay3', delayMs: 3 * DAY },
    { templateId: 'onboarding.reminderDay7', delayMs: 7 * DAY },
  ],
};

describe.each(kinds)('SequenceEngine on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let templates: EmailTemplates;
  let jobs: InProcessJobQueue;
  let now: Date;
  let failNext = 0;
  let ctx: TenantContext;
  let otherCtx: TenantContext;
  let owner: User;
  let stranger: User;

  const outbox = () => new OutboxReader(join(dir, 'outbox'));
  const subjects = async () => (await outbox().list({ limit: 200 })).map((m) => m.subject).reverse();

  /** An engine as one replica has it: `queue` is its own job queue (another replica's, for races). */
  function engine(sequences: EmailSequence[] = [WELCOME, REMINDERS], queue = jobs): SequenceEngine {
    const transport = new OutboxEmailTransport(join(dir, 'outbox'));
    const mail = {
      // The real outbox transport, sent at once (the mail service's job adds nothing the engine relies on).
      send: async (c: TenantContext, message: EmailMessage) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('mail queue unavailable');
        }
        return (await transport.send(c, message)).messageId;
      },
    };
    const e = new SequenceEngine({
      db: t.db,
      jobs: queue,
      mail,
      templates,
      tokens: new TrackingTokens('a-test-app-secret-of-at-least-32-characters'),
      tracking: new EmailTracking(t.db),
      themeTokens: () => ({ colorPrimary: '#112233' }),
      clientUrl: (_brand, client) => `https://${client.slug}.example.test`,
      logger,
      clock: () => now,
    });
    for (const s of sequences) e.define(s);
    e.register();
    return e;
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    templates = EmailTemplates.load(join(ROOT, 'themes'), await createI18n(join(ROOT, 'locales')));
    const em = t.db.forInstance('test seed');
    const brand = em.create(Brand, { name: 'Brand A', slug: 'brand-a', supportEmail: 'help@a.test', senderEmail: 'hello@a.test' });
    const client = em.create(Client, { brand, name: 'Clinic One', slug: 'clinic-one', professionPack: 'dentist' });
    const other = em.create(Client, { brand, name: 'Clinic Two', slug: 'clinic-two', professionPack: 'dentist' });
    owner = em.create(User, { brand, client, email: 'ana@a.test', name: 'Ana', role: 'client_owner', locale: 'es' });
    stranger = em.create(User, { brand, client: other, email: 'bo@a.test', name: 'Bo', role: 'client_owner' });
    await em.flush();
    ctx = { brandId: brand.id, clientId: client.id, locale: 'en' };
    otherCtx = { brandId: brand.id, clientId: other.id, locale: 'en' };
  }, 60_000);
  afterAll(() => t.drop());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tero-sequences-'));
    jobs = new InProcessJobQueue(logger);
    now = new Date('2026-12-01T09:00:00.000Z');
    failNext = 0;
    await t.db.forInstance('test reset').nativeDelete(EmailEnrollment, {});
    await t.db.forInstance('test reset').nativeDelete(EmailUnsubscribe, {});
  });
  afterEach(async () => {
    await jobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrolls once, sends a step due at once through its job, in the reader\'s language from the brand', async () => {
    const e = engine();
    await jobs.start();
    const id = await e.enroll(ctx, owner.id, WELCOME.id);
    expect(id).not.toBeNull();
    expect(await e.enroll(ctx, owner.id, WELCOME.id)).toBeNull();
    await jobs.drain();
    const [mail] = await outbox().list({ limit: 10 });
    expect(mail.subject).toBe('Bienvenido a Brand A, Ana');
    expect(mail.from).toBe('Brand A <hello@a.test>');
    expect(mail.replyTo).toBe('help@a.test');
    expect(mail.html).toContain('https://clinic-one.example.test/e/c/');
    expect(mail.html).toContain('#112233');
    expect(mail.headers['List-Unsubscribe']).toBeUndefined();
    expect((await t.db.forTenant(ctx).findOneOrFail(EmailEnrollment, { id: id! })).status).toBe('completed');
  });

  it('refuses to enroll a person of another client, and unknown sequences', async () => {
    const e = engine();
    expect(await e.enroll(ctx, stranger.id, WELCOME.id)).toBeNull();
    expect(await e.enroll(ctx, owner.id, 'no.such.sequence')).toBeNull();
    expect(await t.db.forTenant(otherCtx).count(EmailEnrollment, {})).toBe(0);
  });

  it('sends each due step once when sweeps race (two replicas), with the one-click unsubscribe headers', async () => {
    const a = engine();
    const replica = new InProcessJobQueue(logger);
    const b = engine([WELCOME, REMINDERS], replica);
    await a.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + DAY + 1000);
    const results = await Promise.all([a.sweep(), b.sweep(), a.sweep()]).finally(() => replica.close());
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    const mails = await outbox().list({ limit: 10 });
    expect(mails).toHaveLength(1);
    expect(mails[0].headers['List-Unsubscribe']).toMatch(/^<https:\/\/clinic-one\.example\.test\/e\/u\/.+>$/);
    expect(mails[0].headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('skips steps overtaken by a later due one (the server was down), sending only the latest', async () => {
    const e = engine();
    const id = await e.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + 8 * DAY);
    expect(await e.sweep()).toMatchObject({ sent: 1, skipped: 2, failed: 0 });
    expect(await subjects()).toEqual(['¿Necesita ayuda con la configuración?']);
    const rows = await t.db.forTenant(ctx).find(EmailSentStep, { enrollment: id! }, { orderBy: { step: 'asc' } });
    expect(rows.map((r) => r.outcome)).toEqual(['skipped', 'skipped', 'sent']);
    expect((await t.db.forTenant(ctx).findOneOrFail(EmailEnrollment, { id: id! })).status).toBe('stopped');
  });

  it('stops at the goal: nothing more is sent after it', async () => {
    const e = engine();
    const id = await e.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + DAY + 1);
    await e.sweep();
    expect(await e.reachGoal(ctx, 'test.done')).toBe(1);
    now = new Date(now.getTime() + 10 * DAY);
    expect(await e.sweep()).toMatchObject({ enrollments: 0, sent: 0 });
    expect(await subjects()).toHaveLength(1);
    expect((await t.db.forTenant(ctx).findOneOrFail(EmailEnrollment, { id: id! })).status).toBe('completed');
  });

  it('an unsubscribe from the category ends it; transactional sequences still send', async () => {
    const e = engine();
    await e.enroll(ctx, owner.id, REMINDERS.id);
    expect(await e.unsubscribe(ctx.brandId, 'ANA@a.test', 'onboarding', 'link')).toBe(true);
    expect(await e.unsubscribe(ctx.brandId, 'ana@a.test', 'onboarding', 'link')).toBe(false);
    await jobs.start();
    await e.enroll(ctx, owner.id, WELCOME.id);
    await jobs.drain();
    now = new Date(now.getTime() + 8 * DAY);
    await e.sweep();
    expect(await subjects()).toEqual(['Bienvenido a Brand A, Ana']);
    expect((await t.db.forTenant(ctx).findOneOrFail(EmailEnrollment, { sequenceId: REMINDERS.id })).status).toBe('unsubscribed');
  });

  it('a failed hand-over gives the step back: the next sweep sends it, once', async () => {
    const e = engine();
    await e.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + DAY + 1);
    failNext = 1;
    expect(await e.sweep()).toMatchObject({ sent: 0, failed: 1 });
    expect(await e.sweep()).toMatchObject({ sent: 1, failed: 0 });
    expect(await e.sweep()).toMatchObject({ sent: 0 });
    expect(await subjects()).toHaveLength(1);
  });

  it('skips a step whose condition says no and goes on with the next', async () => {
    const e = engine([{ ...REMINDERS, steps: [{ ...REMINDERS.steps[0], condition: () => false }, REMINDERS.steps[1]] }]);
    await e.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + DAY + 1);
    expect(await e.sweep()).toMatchObject({ sent: 0, skipped: 1 });
    now = new Date(now.getTime() + 2 * DAY);
    expect(await e.sweep()).toMatchObject({ sent: 1 });
    expect(await subjects()).toEqual(['Termine de configurar Clinic One']);
  });

  it('ends as completed, sending nothing more, once stored state says the goal is reached (an event nobody heard)', async () => {
    let reached = false;
    const e = engine([{ ...REMINDERS, goalReached: () => reached }]);
    const id = await e.enroll(ctx, owner.id, REMINDERS.id);
    now = new Date(now.getTime() + DAY + 1);
    expect(await e.sweep()).toMatchObject({ sent: 1 });
    reached = true;
    now = new Date(now.getTime() + 3 * DAY);
    expect(await e.sweep()).toMatchObject({ sent: 0, skipped: 0, failed: 0 });
    expect(await subjects()).toHaveLength(1);
    expect((await t.db.forTenant(ctx).findOneOrFail(EmailEnrollment, { id: id! })).status).toBe('completed');
  });

  it('refuses a sequence defined twice, out of order, empty, or with words missing', () => {
    const e = engine();
    expect(() => e.define(WELCOME)).toThrow(/defined twice/);
    expect(() => e.define({ ...REMINDERS, id: 'x.order', steps: [...REMINDERS.steps].reverse() })).toThrow(/in order/);
    expect(() => e.define({ ...WELCOME, id: 'x.empty', steps: [] })).toThrow(/no step/);
    expect(() => e.define({ ...WELCOME, id: 'x.words', steps: [{ templateId: 'no.such.template', delayMs: 0 }] })).toThrow(/no words/);
  });
});
