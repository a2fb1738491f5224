import 'reflect-metadata';
import { InProcessEventBus, type PublishedEvent } from '@tero/core';
import { AgentProfile, Subscription } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { BILLING_EVENTS } from '../billing-events';
import { type SeededClient, TestClock, addCall, seedBillingClient, silentLogger, testI18n, testMail } from '../invoices/testing/billing-fixtures';
import { QuotaService } from './quota.service';
import { UsageMeter } from './usage-meter';
import { QUOTA_CHECK_JOB, QuotaCheckAfterCall } from './usage.jobs';

const START = new Date('2026-03-01T10:00:00Z');
const END = new Date('2026-04-01T10:00:00Z');
const at = (days: number) => new Date(START.getTime() + days * 86_400_000);

describe('usage and quotas', () => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let clock: TestClock;
  let mail: Awaited<ReturnType<typeof testMail>>;
  let events: InProcessEventBus;
  let published: PublishedEvent[];
  let meter: UsageMeter;
  let quota: QuotaService;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    i18n = await testI18n();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    clock = new TestClock(at(10));
    mail = await testMail(i18n, t.db, clock.now);
    events = new InProcessEventBus(silentLogger);
    published = [];
    events.subscribe('*', (e) => void published.push(e));
    meter = new UsageMeter(t.db, { clock: clock.now });
    quota = new QuotaService(t.db, mail.notices, { events, logger: silentLogger, clock: clock.now });
  });
  afterEach(async () => {
    await mail.close();
    await events.close();
  });

  /** 100 minutes included, 10 cents a minute beyond, 10 % tax. */
  const seed = (overQuota: 'overage' | 'voicemail' | 'forward' = 'overage', locale = 'en') =>
    seedBillingClient(t.db, { locale, billingSettings: { taxRateBps: 1000 }, plan: { includedMinutes: 100, overageMinorPerMinute: 10, overQuota } });
  const mailsTo = async (c: SeededClient) => (await mail.sent()).filter((m) => m.clientId === c.client.id);

  it('meters the billable seconds of the client’s calls in the period: test calls, other clients and other periods do not count', async () => {
    const c = await seed();
    const other = await seed();
    await addCall(t.db, c, at(1), 600);
    await addCall(t.db, c, at(2), 61);
    await addCall(t.db, c, at(3), 0); // a test call: billable_seconds 0
    await addCall(t.db, c, new Date(START.getTime() - 1000), 900); // the previous period
    await addCall(t.db, c, END, 900); // the next one
    await addCall(t.db, other, at(1), 1200);
    expect(await meter.usage(c.ctx, c.client.id, { from: START, to: END })).toEqual({ seconds: 661, minutes: 12 });
    const summary = await meter.usageSummary(c.ctx, c.client.id);
    expect(summary).toMatchObject({
      subscriptionId: c.subscription.id,
      periodStart: START,
      periodEnd: END,
      usedSeconds: 661,
      usedMinutes: 12,
      includedMinutes: 100,
      percent: 11,
      overageMinutes: 0,
      projectedOverageMinor: 0,
      currency: 'USD',
    });
  });

  it('the summary projects the overage charge so far, tax included; under another policy there is none to charge', async () => {
    const c = await seed();
    await addCall(t.db, c, at(1), 130 * 60 + 1);
    expect(await meter.usageSummary(c.ctx, c.client.id)).toMatchObject({ usedMinutes: 131, percent: 130, overageMinutes: 31, overageMinorPerMinute: 10, projectedOverageMinor: 341 });
    const v = await seed('voicemail');
    await addCall(t.db, v, at(1), 130 * 60);
    expect(await meter.usageSummary(v.ctx, v.client.id)).toMatchObject({ overageMinutes: 30, projectedOverageMinor: 0, overQuota: 'voicemail' });
  });

  it('during a switch of provider the old subscription is metered until the new one takes over', async () => {
    const c = await seed();
    const em = t.db.forInstance('test: a pending switch');
    const next = em.create(Subscription, {
      brand: c.brand.id,
      client: c.client.id,
      plan: c.plan.id,
      status: 'trialing',
      provider: 'payment-other',
      amountMinor: 49900,
      currency: 'USD',
      startsAt: END,
      replacesId: c.subscription.id,
    });
    await em.flush();
    expect((await meter.usageSummary(c.ctx, c.client.id))?.subscriptionId).toBe(c.subscription.id);
    const old = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    old.status = 'canceled';
    next.status = 'active';
    next.currentPeriodStart = END;
    next.currentPeriodEnd = new Date('2026-05-01T10:00:00Z');
    await em.flush();
    clock.set(new Date(END.getTime() + 86_400_000));
    expect(await meter.usageSummary(c.ctx, c.client.id)).toMatchObject({ subscriptionId: next.id, periodStart: END });
  });

  it('without a subscription in force there is no meter', async () => {
    const c = await seed();
    const em = t.db.forTenant(c.ctx);
    const sub = await em.findOneOrFail(Subscription, { id: c.subscription.id });
    sub.status = 'canceled';
    await em.flush();
    expect(await meter.usageSummary(c.ctx, c.client.id)).toBeNull();
    expect(await quota.check(c.ctx, c.client.id)).toBeNull();
  });

  it('warns at 80 % and at 100 %, each once per period, by e-mail and on the bus', async () => {
    const c = await seed();
    await addCall(t.db, c, at(1), 79 * 60);
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: null, warned: false });
    await addCall(t.db, c, at(2), 60);
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 80, warned: true });
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 80, warned: false });
    await addCall(t.db, c, at(3), 20 * 60);
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 100, warned: true });
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 100, warned: false });

    const sent = await mailsTo(c);
    expect(sent.map((m) => m.subject)).toEqual([`You have used 80% of your ${c.brand.name} minutes`, `You have used all the minutes of your ${c.brand.name} plan`]);
    expect(sent[0]!.text).toContain('You have used 80 of the 100 minutes included in your plan for the period ending Apr 1, 2026.');
    expect(sent[1]!.text).toContain('each extra minute costs $0.10 and is billed at the end of the period');
    // The next period starts afresh.
    clock.set(new Date(END.getTime() + 86_400_000));
    await addCall(t.db, c, new Date(END.getTime() + 3_600_000), 85 * 60);
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 80, warned: true });

    await events.close();
    expect(published.filter((e) => e.type === BILLING_EVENTS.quotaWarning).map((e) => e.payload)).toEqual([
      expect.objectContaining({ usedSeconds: 80 * 60, includedSeconds: 6000, percent: 80, threshold: 80, subscriptionId: c.subscription.id, periodStart: START.toISOString() }),
      expect.objectContaining({ usedSeconds: 100 * 60, percent: 100, threshold: 100 }),
      expect.objectContaining({ usedSeconds: 85 * 60, percent: 85, threshold: 80, periodStart: END.toISOString() }),
    ]);
  });

  it('a client past 100 % at once is told about 100 % only, with its plan’s policy, in its language', async () => {
    const c = await seed('forward', 'fr');
    await addCall(t.db, c, at(1), 150 * 60);
    expect(await quota.check(c.ctx, c.client.id)).toMatchObject({ reached: 100, warned: true });
    const sent = await mailsTo(c);
    expect(sent.map((m) => m.subject)).toEqual([`Vous avez utilisé toutes les minutes de votre forfait ${c.brand.name}`]);
    expect(sent[0]!.text).toContain("Jusqu'au 1 avr. 2026, les nouveaux appels sont renvoyés vers votre propre téléphone.");
  });

  it('the sweep checks every client in force; the after-call job checks one client a little later', async () => {
    const a = await seed();
    const b = await seed();
    await addCall(t.db, a, at(1), 90 * 60);
    await addCall(t.db, b, at(1), 10 * 60);
    const result = await quota.sweep();
    expect(result.failed).toBe(0);
    expect((await mailsTo(a)).map((m) => m.subject)).toEqual([`You have used 90% of your ${a.brand.name} minutes`]);
    expect(await mailsTo(b)).toEqual([]);

    const afterCall = new QuotaCheckAfterCall(mail.jobs, quota, { delayMs: 1, now: () => 5 });
    afterCall.register();
    await addCall(t.db, b, at(2), 100 * 60);
    const id = await afterCall.enqueue(b.ctx, b.client.id);
    expect(await afterCall.enqueue(b.ctx, b.client.id)).toBe(id);
    // Another process of the same window (no memory of the first enqueue) gets the same job, not a second one.
    expect(await new QuotaCheckAfterCall(mail.jobs, quota, { delayMs: 1, now: () => 5 }).enqueue(b.ctx, b.client.id)).toBe(id);
    await mail.jobs.drain();
    expect((await mail.jobs.get(QUOTA_CHECK_JOB, id))?.state).toBe('completed');
    expect((await mailsTo(b)).map((m) => m.subject)).toEqual([`You have used all the minutes of your ${b.brand.name} plan`]);
  });

  it('keeps the agent’s routing in line with the plan: never stopped under overage, the plan’s minutes then its policy otherwise', async () => {
    const o = await seed('overage');
    const profileOf = (c: SeededClient) => t.db.forTenant(c.ctx).findOneOrFail(AgentProfile, { client: c.client.id });
    const before = await profileOf(o);
    expect(await quota.syncAgentQuota(o.ctx, o.client.id)).toEqual({ monthlyMinutes: null, quotaExceeded: before.policies.quotaExceeded, changed: false });

    const v = await seed('voicemail');
    expect(await quota.syncAgentQuota(v.ctx, v.client.id)).toEqual({ monthlyMinutes: 100, quotaExceeded: 'voicemail', changed: true });
    expect(await profileOf(v)).toMatchObject({ monthlyMinutes: 100, policies: expect.objectContaining({ quotaExceeded: 'voicemail', suspended: 'forward' }) });
    expect(await quota.syncAgentQuota(v.ctx, v.client.id)).toMatchObject({ changed: false });

    const f = await seed('forward');
    expect(await quota.syncAgentQuota(f.ctx, f.client.id)).toEqual({ monthlyMinutes: 100, quotaExceeded: 'forward', changed: true });
    // Back to an overage plan: the limit goes.
    const em = t.db.forTenant({ ...f.ctx, clientId: null });
    const sub = await em.findOneOrFail(Subscription, { id: f.subscription.id }, { populate: ['plan'] });
    sub.plan.overQuota = 'overage';
    await em.flush();
    expect(await quota.syncAgentQuota(f.ctx, f.client.id)).toEqual({ monthlyMinutes: null, quotaExceeded: 'forward', changed: true });
    expect((await profileOf(f)).monthlyMinutes).toBeNull();
  });
});
