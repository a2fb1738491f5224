import { join, resolve } from 'node:path';
import { InProcessEventBus, type LoadedPack, loadPack } from '@tero/core';
import { collector } from '../../../core/src/events/event-bus.testing';
import { AgentProfile, Brand, Client, OnboardingState, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { NumberPool } from '@tero/telephony';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { ONBOARDING_EVENTS } from '../onboarding-events';
import { StepAlreadySavedError, StepInvalidError, WizardNotFoundError } from './wizard-errors';
import { type Wizard, createWizard } from './wizard.service';

/**
 * The wizard's state machine on a real database (SQLite, and PostgreSQL when available): sign-up makes
 * the profile and the state; each save is a compare-and-set on the version (a stale one writes nothing);
 * the number step never gives a second number; completion publishes once and lets billing decide the
 * client's status; another client reads nothing of it.
 */
const repo = resolve(__dirname, '../../../..');
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const logger = pino({ level: process.env.SPEC_LOG ?? 'silent' });
const owner = { userId: '00000000-0000-4000-8000-000000000001' };

describe.each(kinds)('the setup wizard on %s', (kind) => {
  let t: TestDatabase;
  let plumber: LoadedPack;
  let wizard: Wizard;
  let ctx: TenantContext;
  let otherCtx: TenantContext;
  const heard = collector();
  let voice = 'none';
  let billingServes = false;
  const clientChanges: string[] = [];
  let events: InProcessEventBus;
  let sentinels = 0;
  /** Every event published so far has been delivered: a sentinel published last has arrived. */
  const settled = async () => {
    const n = ++sentinels;
    await events.publish({ type: 'spec.sentinel', brandId: ctx.brandId, clientId: null, payload: { n } });
    await heard.until((all) => all.some((e) => e.type === 'spec.sentinel' && (e.payload as { n: number }).n === n));
  };
  const heardOf = (type: string) => heard.events.filter((e) => e.type === type);

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    plumber = await loadPack(join(repo, 'profession-packs/plumber'), { root: repo });
    const e = t.db.forInstance('spec seed');
    const brand = e.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const client = e.create(Client, { brand, name: 'Flow Right', slug: 'flow', professionPack: 'plumber', status: 'onboarding' });
    const other = e.create(Client, { brand, name: 'Other', slug: 'other', professionPack: 'plumber' });
    for (const number of ['+15125550100', '+15125550101']) e.create(PhoneNumber, { brand, number, country: 'US', state: 'available' });
    await e.flush();
    ctx = { brandId: brand.id, clientId: client.id, locale: 'en' };
    otherCtx = { brandId: brand.id, clientId: other.id, locale: 'en' };
    events = new InProcessEventBus(logger);
    for (const type of [...Object.values(ONBOARDING_EVENTS), 'spec.sentinel']) events.subscribe(type, heard.handler);
    wizard = createWizard({
      db: t.db,
      events,
      packs: { get: async () => plumber },
      numbers: new NumberPool(t.db, { quarantineDays: 30 }),
      voiceState: async () => ({ status: voice }),
      promptState: async () => ({ customized: false, publishedVersion: null }),
      billingAllowsActive: async () => billingServes,
      onClientChanged: (changed) => void clientChanges.push(changed.clientId!),
      logger,
    });
  });
  afterAll(() => t.drop());

  const version = async () => (await wizard.state(ctx))!.version;
  const clientRow = () => t.db.forInstance('spec').findOneOrFail(Client, { id: ctx.clientId! }, { refresh: true });

  it('begins at sign-up: the profile from the pack, a fresh state, onboarding.started with the owner', async () => {
    await wizard.begin(ctx, owner);
    await wizard.begin(ctx, owner);
    const profiles = await t.db.forInstance('spec').find(AgentProfile, { client: ctx.clientId });
    expect(profiles).toHaveLength(1);
    expect(profiles[0]!.services.map((s) => s.id)).toEqual(plumber.manifest.services.map((s) => s.id));
    expect(await t.db.forInstance('spec').count(OnboardingState, { client: ctx.clientId })).toBe(1);
    const state = await wizard.state(ctx);
    expect(state).toMatchObject({ doneCount: 0, total: 9, nextOpen: 'business', currentStep: 'business', completedAt: null, version: 1 });
    await settled();
    expect(heardOf(ONBOARDING_EVENTS.started).map((e) => e.payload)).toEqual([{ userId: owner.userId }, { userId: owner.userId }]);
  });

  it('has no wizard for a client that did not sign up, and reads none of another client', async () => {
    expect(await wizard.state(otherCtx)).toBeNull();
    await expect(wizard.save(otherCtx, owner, 'transfer', 1, { transferNumber: '+15550100100' })).rejects.toBeInstanceOf(WizardNotFoundError);
  });

  it('refuses bad input with every field and moves nothing', async () => {
    const before = await version();
    const refused = wizard.save(ctx, owner, 'transfer', before, { transferNumber: 'abc' });
    await expect(refused).rejects.toBeInstanceOf(StepInvalidError);
    await expect(refused).rejects.toMatchObject({ issues: [{ field: 'transferNumber', code: 'phone_format' }] });
    expect(await version()).toBe(before);
  });

  it('saves a step once per version: the same version again is "already saved" and writes nothing', async () => {
    const v = await version();
    const saved = await wizard.save(ctx, owner, 'transfer', v, { transferNumber: '+15550100100', onCallNumber: '+15550100199' });
    // The owner goes on with the next open step after this one.
    expect(saved).toMatchObject({ version: v + 1, currentStep: 'afterHours', doneCount: 1 });
    expect(saved.items.find((i) => i.step === 'transfer')).toMatchObject({ done: true, by: owner.userId });
    await expect(wizard.save(ctx, owner, 'transfer', v, { transferNumber: '+15550100111' })).rejects.toBeInstanceOf(StepAlreadySavedError);
    const profile = await t.db.forInstance('spec').findOneOrFail(AgentProfile, { client: ctx.clientId }, { refresh: true });
    expect(profile.transferNumber).toBe('+15550100100');
    expect(await version()).toBe(v + 1);
  });

  it('lets only one of two simultaneous saves of a form through', async () => {
    const v = await version();
    const input = { name: 'Flow Right Plumbing', address: '1 Main St', timezone: 'America/Chicago', hours: { mon: '08:00-17:00' } };
    const results = await Promise.allSettled([wizard.save(ctx, owner, 'business', v, input), wizard.save(ctx, owner, 'business', v, input)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(StepAlreadySavedError);
    expect(await clientRow()).toMatchObject({ name: 'Flow Right Plumbing', timezone: 'America/Chicago' });
    expect(clientChanges).toContain(ctx.clientId);
  });

  it('saves the services with the text-confirmation switch (on by default), refusing a bad value with the rows\' problems, and tells the caches when it changes', async () => {
    const profileRow = () => t.db.forInstance('spec').findOneOrFail(AgentProfile, { client: ctx.clientId }, { refresh: true });
    expect((await profileRow()).textConfirmations).toBe(true);
    const rows = [{ id: plumber.manifest.services[0]!.id, name: 'Drains', durationMinutes: '60', price: '100' }];
    const before = await version();
    const refused = wizard.save(ctx, owner, 'services', before, { rows: [{ ...rows[0], price: '-1' }], textConfirmations: 'maybe' });
    await expect(refused).rejects.toMatchObject({ issues: [{ field: 'services.0.price', code: 'price_format' }, { field: 'textConfirmations', code: 'choice' }] });
    expect(await version()).toBe(before);

    clientChanges.length = 0;
    await wizard.save(ctx, owner, 'services', before, { rows, textConfirmations: ['0'] });
    expect((await profileRow()).textConfirmations).toBe(false);
    expect(clientChanges).toEqual([ctx.clientId]);
    // A save that does not send the switch (an older form) leaves it as it is, and changes no cache.
    await wizard.save(ctx, owner, 'services', await version(), { rows });
    expect((await profileRow()).textConfirmations).toBe(false);
    await wizard.save(ctx, owner, 'services', await version(), { rows, textConfirmations: ['0', 'on'] });
    expect((await profileRow()).textConfirmations).toBe(true);
    expect(clientChanges).toEqual([ctx.clientId, ctx.clientId]);
  });

  it('needs a voice that is ready or standard', async () => {
    await expect(wizard.save(ctx, owner, 'voice', await version(), {})).rejects.toMatchObject({ issues: [{ field: 'voice', code: 'voice_not_ready', params: { status: 'none' } }] });
    voice = 'standard';
    expect((await wizard.save(ctx, owner, 'voice', await version(), {})).items.find((i) => i.step === 'voice')!.done).toBe(true);
  });

  it('gives one number, however often the number step is saved', async () => {
    await wizard.save(ctx, owner, 'number', await version(), { areaCode: '512' });
    await wizard.save(ctx, owner, 'number', await version(), { areaCode: '512' });
    const numbers = await wizard.numbers(ctx);
    expect(numbers).toHaveLength(1);
    expect(await t.db.forInstance('spec').count(PhoneNumber, { client: ctx.clientId, state: 'assigned' })).toBe(1);
    await settled();
    expect(heardOf(ONBOARDING_EVENTS.stepCompleted).filter((e) => (e.payload as { step: string }).step === 'number')).toHaveLength(1);
  });

  it('completes once every step is done: onboarding.completed once, and the client active since billing serves', async () => {
    await wizard.save(ctx, owner, 'services', await version(), { rows: [{ id: plumber.manifest.services[0]!.id, name: 'Drains', durationMinutes: '60', price: '100' }] });
    await wizard.save(ctx, owner, 'faq', await version(), { rows: [] });
    await wizard.save(ctx, owner, 'afterHours', await version(), { afterHours: 'ai', holiday: 'voicemail', emergency: 'transfer' });
    await wizard.save(ctx, owner, 'prompt', await version(), { action: 'keep' });
    await expect(wizard.save(ctx, owner, 'testCall', await version(), { ended: false, error: null, callSid: null })).rejects.toMatchObject({ issues: [{ code: 'test_call_not_ended' }] });
    await expect(wizard.save(ctx, owner, 'testCall', await version(), { ended: true, error: { code: 'verbs.invalid' }, callSid: 'c1' })).rejects.toMatchObject({ issues: [{ code: 'test_call_failed' }] });
    expect((await wizard.state(ctx))!.completedAt).toBeNull();
    expect((await clientRow()).status).toBe('onboarding');
    billingServes = true;
    const done = await wizard.save(ctx, owner, 'testCall', await version(), { ended: true, error: null, callSid: 'c2' });
    expect(done).toMatchObject({ doneCount: 9, nextOpen: null, percent: 100 });
    expect(done.completedAt).toBeInstanceOf(Date);
    expect((await clientRow()).status).toBe('active');
    // Completed once: another test call saved later publishes no second completion.
    await wizard.save(ctx, owner, 'testCall', await version(), { ended: true, error: null, callSid: 'c3' });
    await settled();
    expect(heardOf(ONBOARDING_EVENTS.completed)).toHaveLength(1);
  });
});
