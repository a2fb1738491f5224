import 'reflect-metadata';
import { InProcessEventBus, type PublishedEvent } from '@tero/core';
import { BillingNotice, Client, Subscription, SubscriptionTransition } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { BILLING_EVENTS } from '../billing-events';
import { type SeededClient, TestClock, seedBillingClient, silentLogger, testI18n, testMail } from '../invoices/testing/billing-fixtures';
import { transitionSubscription } from '../subscriptions/subscription-transitions';
import { DUNNING_SWEEP_JOB, dunningSweepJob } from './dunning.job';
import { DunningService } from './dunning.service';

const FAILED_AT = new Date('2026-03-01T10:00:00Z');
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('dunning on %s', (kind) => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let clock: TestClock;
  let mail: Awaited<ReturnType<typeof testMail>>;
  let events: InProcessEventBus;
  let published: PublishedEvent[];
  let dunning: DunningService;

  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: true });
    i18n = await testI18n();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    clock = new TestClock(FAILED_AT);
    mail = await testMail(i18n, t.db, clock.now);
    events = new InProcessEventBus(silentLogger);
    published = [];
    events.subscribe('*', (e) => void published.push(e));
    dunning = new DunningService(t.db, mail.notices, { events, logger: silentLogger, clock: clock.now });
  });
  afterEach(async () => {
    await mail.close();
    await events.close();
  });

  /** A client whose payment failed at FAILED_AT (the webhook moved it to past_due). */
  const pastDue = (options: Parameters<typeof seedBillingClient>[1] = {}) =>
    seedBillingClient(t.db, {
      owners: [
        { name: 'Olivia', email: `olivia-${Math.random()}@client.test` },
        { name: 'Pablo', email: `pablo-${Math.random()}@client.test`, locale: 'es' },
      ],
      ...options,
      subscription: { status: 'past_due', pastDueSince: FAILED_AT, amountMinor: 54017, ...options.subscription },
    });

  const stateOf = async (c: SeededClient) => {
    const em = t.db.forTenant(c.ctx);
    const sub = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    const client = await em.findOneOrFail(Client, { id: c.client.id });
    return { status: sub.status, clientStatus: client.status };
  };
  const mailsTo = async (c: SeededClient) => (await mail.sent()).filter((m) => m.clientId === c.client.id);

  /** As part A's webhook does when a payment comes in. */
  const paid = async (c: SeededClient) => {
    const em = t.db.forTenant(c.ctx);
    const sub = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    await transitionSubscription(em, sub, 'active', { cause: 'webhook:payment.succeeded', at: clock.now() });
    await em.flush();
  };

  it('a failed payment e-mails the day-0 reminder at once, to each owner in their language, and only once', async () => {
    const c = await pastDue();
    expect(await dunning.start(c.ctx, c.subscription.id, { failureReason: 'card_declined' })).toEqual({ action: 'reminded', day: 0, sent: true });
    expect(await dunning.start(c.ctx, c.subscription.id, { failureReason: 'card_declined' })).toEqual({ action: 'reminded', day: 0, sent: false });
    const sent = await mailsTo(c);
    expect(sent).toHaveLength(2);
    const [en, es] = [sent.find((m) => m.to[0]!.startsWith('olivia'))!, sent.find((m) => m.to[0]!.startsWith('pablo'))!];
    expect(en.subject).toBe(`Your payment to ${c.brand.name} did not go through`);
    expect(en.from).toBe(`${c.brand.name} <${c.brand.senderEmail}>`);
    expect(en.text).toContain('Hello Olivia,');
    expect(en.text).toContain('We could not collect $540.17 for your Growth plan.');
    expect(en.text).toContain('card_declined');
    expect(en.text).toContain('before Mar 15, 2026');
    expect(en.text).toContain(`https://${c.client.slug}.${c.brand.slug}.example.test/billing`);
    expect(es.subject).toBe(`Su pago a ${c.brand.name} no se ha podido realizar`);
    expect(es.text).toContain('No hemos podido cobrar 540,17 US$ por su plan Growth.');
    // Staff are not billing contacts.
    expect(sent.some((m) => m.to[0]!.startsWith('staff'))).toBe(false);
  });

  it('day by day: reminders on days 3 and 7, suspension on day 14 (calls forwarded from then on), each said once', async () => {
    const c = await pastDue();
    await dunning.start(c.ctx, c.subscription.id);
    const steps: string[] = [];
    for (let day = 1; day <= 16; day++) {
      clock.set(new Date(FAILED_AT.getTime() + day * 86_400_000 + 3_600_000));
      const step = await dunning.advance(c.ctx, c.subscription.id);
      if (step.action === 'reminded' && step.sent) steps.push(`day ${day}: reminder ${step.day}`);
      if (step.action === 'suspended' && step.transition) steps.push(`day ${day}: suspended`);
    }
    expect(steps).toEqual(['day 3: reminder 3', 'day 7: reminder 7', 'day 14: suspended']);
    expect(await stateOf(c)).toEqual({ status: 'suspended', clientStatus: 'suspended' });
    const transition = await t.db.forTenant(c.ctx).findOneOrFail(SubscriptionTransition, { subscription: c.subscription.id, toStatus: 'suspended' });
    expect(transition).toMatchObject({ fromStatus: 'past_due', cause: 'dunning:grace_expired' });

    const english = (await mailsTo(c)).filter((m) => m.to[0]!.startsWith('olivia')).map((m) => m.subject);
    expect(english).toEqual([
      `Your payment to ${c.brand.name} did not go through`,
      `Reminder: your ${c.brand.name} payment is still due`,
      `Reminder: your ${c.brand.name} payment is still due`,
      `Your ${c.brand.name} service is suspended`,
    ]);
    await events.close();
    expect(published.map((e) => [e.type, e.payload])).toEqual([
      [BILLING_EVENTS.subscriptionChanged, expect.objectContaining({ subscriptionId: c.subscription.id, from: 'past_due', to: 'suspended' })],
      [BILLING_EVENTS.clientStatusChanged, { clientId: c.client.id, from: 'active', to: 'suspended' }],
    ]);
  });

  it('a sweep that did not run for days sends only the latest reminder due, not a burst', async () => {
    const c = await pastDue();
    await dunning.start(c.ctx, c.subscription.id);
    clock.set(new Date(FAILED_AT.getTime() + 8 * 86_400_000));
    expect(await dunning.sweep()).toMatchObject({ failed: 0 });
    const notices = await t.db.forTenant(c.ctx).find(BillingNotice, { client: c.client.id, kind: 'dunning_reminder' }, { orderBy: { key: 'asc' } });
    expect(notices.map((n) => n.key.split(':').at(-1))).toEqual(['day0', 'day7']);
  });

  it('a payment before the grace period ends stops the reminders and the suspension', async () => {
    const c = await pastDue();
    await dunning.start(c.ctx, c.subscription.id);
    clock.set(new Date(FAILED_AT.getTime() + 2 * 86_400_000));
    await paid(c);
    clock.set(new Date(FAILED_AT.getTime() + 20 * 86_400_000));
    expect(await dunning.advance(c.ctx, c.subscription.id)).toEqual({ action: 'none', reason: 'not_past_due' });
    await dunning.sweep();
    expect(await stateOf(c)).toEqual({ status: 'active', clientStatus: 'active' });
    expect(await mailsTo(c)).toHaveLength(2); // the day-0 reminder, to both owners
    // Not suspended before, so no "active again" notice: the invoice says the payment came.
    expect(await dunning.end(c.ctx, c.subscription.id)).toBe(false);
  });

  it('paying a suspended subscription: the client is told once that its agent answers again', async () => {
    const c = await pastDue({ owners: [{ name: 'Olivia', email: `o-${Math.random()}@client.test` }] });
    clock.set(new Date(FAILED_AT.getTime() + 14 * 86_400_000));
    await dunning.sweep();
    expect(await stateOf(c)).toEqual({ status: 'suspended', clientStatus: 'suspended' });
    clock.advanceDays(1);
    await paid(c);
    expect(await stateOf(c)).toEqual({ status: 'active', clientStatus: 'active' });
    expect(await dunning.end(c.ctx, c.subscription.id)).toBe(true);
    expect(await dunning.end(c.ctx, c.subscription.id)).toBe(false);
    const subjects = (await mailsTo(c)).map((m) => m.subject);
    expect(subjects).toEqual([`Your ${c.brand.name} service is suspended`, `Your ${c.brand.name} service is active again`]);
  });

  it('follows the brand’s own schedule', async () => {
    const c = await pastDue({ billingSettings: { dunningDays: [0, 2], graceDays: 5 }, owners: [{ name: 'Olivia', email: `o-${Math.random()}@client.test` }] });
    const days: string[] = [];
    for (let day = 0; day <= 6; day++) {
      clock.set(new Date(FAILED_AT.getTime() + day * 86_400_000));
      const step = await dunning.advance(c.ctx, c.subscription.id);
      days.push(step.action === 'reminded' ? `${step.day}${step.sent ? '' : '-'}` : step.action === 'suspended' ? (step.transition ? 'S' : 's') : '.');
    }
    expect(days).toEqual(['0', '0-', '2', '2-', '2-', 'S', 's']);
  });

  it('sweeps racing on the day of suspension suspend once and say it once', async () => {
    const c = await pastDue({ owners: [{ name: 'Olivia', email: `o-${Math.random()}@client.test` }] });
    clock.set(new Date(FAILED_AT.getTime() + 15 * 86_400_000));
    const results = await Promise.all(Array.from({ length: 6 }, () => dunning.advance(c.ctx, c.subscription.id)));
    expect(results.filter((r) => r.action === 'suspended' && r.transition)).toHaveLength(1);
    expect(results.every((r) => r.action === 'suspended')).toBe(true);
    expect(await t.db.forTenant(c.ctx).count(SubscriptionTransition, { subscription: c.subscription.id, toStatus: 'suspended' })).toBe(1);
    expect((await mailsTo(c)).map((m) => m.subject)).toEqual([`Your ${c.brand.name} service is suspended`]);
  });

  it('runs hourly as a job: one run per hour however often it is enqueued', async () => {
    const c = await pastDue({ owners: [{ name: 'Olivia', email: `o-${Math.random()}@client.test` }] });
    clock.set(new Date(FAILED_AT.getTime() + 3 * 86_400_000));
    const job = dunningSweepJob(mail.jobs, dunning, { logger: silentLogger, now: () => clock.now().getTime() });
    job.register();
    const id = await job.enqueueDue();
    expect(await job.enqueueDue()).toBe(id);
    await mail.jobs.drain();
    const view = await mail.jobs.get(DUNNING_SWEEP_JOB, id);
    expect(view?.state).toBe('completed');
    expect((await mailsTo(c)).map((m) => m.subject)).toEqual([`Reminder: your ${c.brand.name} payment is still due`]);
  });
});
