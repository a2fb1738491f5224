import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ValidationError } from '@tero/accounts';
import { createI18n } from '@tero/core';
import { Brand, JambonzAlert, User } from '@tero/db';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { MonitorAlerts } from './monitor-alerts';
import { MonitoringThresholds, brandMonitoringSettings } from './monitoring-thresholds';
import { DEFAULT_MONITORING_SETTINGS } from './monitoring.settings';

const ROOT = join(__dirname, '../../../..');
const MIN = 60_000;
const NOW = Date.parse('2026-03-09T15:00:00Z');

describe('MonitoringThresholds: a brand\'s own alert thresholds over the instance\'s', () => {
  let t: TestDatabase;
  let thresholds: MonitoringThresholds;
  let strict: string;
  let lenient: string;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    const em = t.db.forInstance('spec seed');
    const a = em.create(Brand, { name: 'Strict', slug: 'strict', supportEmail: 's@s.test', senderEmail: 'n@s.test' });
    const b = em.create(Brand, { name: 'Lenient', slug: 'lenient', supportEmail: 's@l.test', senderEmail: 'n@l.test' });
    em.create(User, { brand: null, client: null, email: 'ops@tero.test', name: 'Olga', role: 'operator' });
    await em.flush();
    [strict, lenient] = [a.id, b.id];
    thresholds = new MonitoringThresholds(t.db, { webhookFailuresAlertAt: 10 });
  });
  afterAll(() => t?.drop());

  it('stores the thresholds given, keeps the instance\'s for the blank ones, and shows both', async () => {
    const view = await thresholds.update(strict, { asrAlertBelowPercent: '80', webhookFailuresAlertAt: '2', cooldownMinutes: '', asrMinAttempts: ' ' });
    expect(view.own).toEqual({ asrAlertBelowPercent: 80, webhookFailuresAlertAt: 2 });
    expect(view.effective).toMatchObject({ asrAlertBelow: 0.8, webhookFailuresAlertAt: 2, cooldownMs: DEFAULT_MONITORING_SETTINGS.cooldownMs, asrMinAttempts: DEFAULT_MONITORING_SETTINGS.asrMinAttempts });
    expect(view.instance).toMatchObject({ asrAlertBelowPercent: 50, webhookFailuresAlertAt: 10, cooldownMinutes: 60 });
    // The other brand keeps the instance's.
    expect((await thresholds.settingsFor(lenient)).webhookFailuresAlertAt).toBe(10);
    // All blank: back to the instance's, nothing stored.
    await thresholds.update(lenient, { webhookFailuresAlertAt: '' });
    expect((await t.db.forInstance('spec').findOneOrFail(Brand, { id: lenient })).monitoringSettings).toBeNull();
  });

  it('refuses a value out of bounds, not a whole number, or an unknown key, naming the field, and changes nothing', async () => {
    const before = await thresholds.view(strict);
    for (const [input, field] of [
      [{ asrAlertBelowPercent: '100' }, 'asrAlertBelowPercent'],
      [{ asrMinAttempts: '0' }, 'asrMinAttempts'],
      [{ asrWindowMinutes: '2.5' }, 'asrWindowMinutes'],
      [{ cooldownMinutes: 'soon' }, 'cooldownMinutes'],
      [{ webhookFailureWindowMinutes: '99999' }, 'webhookFailureWindowMinutes'],
      [{ webhookFailuresAlertAt: '3', pageSize: '10' }, 'pageSize'],
    ] as const) {
      const error = await thresholds.update(strict, input).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.field)).toContain(field);
    }
    expect(await thresholds.view(strict)).toEqual(before);
  });

  it('ignores a stored value that no longer passes rather than trusting it', () => {
    const settings = brandMonitoringSettings(DEFAULT_MONITORING_SETTINGS, { webhookFailuresAlertAt: -4, cooldownMinutes: 30, junk: 1 });
    expect(settings.webhookFailuresAlertAt).toBe(DEFAULT_MONITORING_SETTINGS.webhookFailuresAlertAt);
    expect(settings.cooldownMs).toBe(30 * MIN);
  });

  it('alerts on each brand\'s own thresholds: two failures alert the strict brand, not the lenient one', async () => {
    const em = t.db.forInstance('spec seed alerts');
    let seq = 0;
    for (const brandId of [strict, lenient]) {
      for (let i = 0; i < 2; i++) {
        em.create(JambonzAlert, { brand: em.getReference(Brand, brandId), fingerprint: createHash('sha256').update(`f${++seq}`).digest('hex'), alertType: 'webhook-failure', message: 'x returned 500', occurredAt: new Date(NOW - MIN) });
      }
    }
    await em.flush();
    const sent: string[] = [];
    const alerts = new MonitorAlerts({
      db: t.db,
      i18n: await createI18n(join(ROOT, 'locales')),
      notify: async (_ctx, message) => void sent.push(message.text ?? ''),
      from: 'Tero <no-reply@tero.test>',
      operatorUrl: (id) => `https://tero.test/operator/monitoring?brand=${id}`,
      logger: pino({ level: 'silent' }),
      settings: { webhookFailuresAlertAt: 10 },
      thresholds,
      clock: () => new Date(NOW),
    });
    expect(await alerts.conditions(lenient)).toEqual([]);
    const outcomes = await alerts.checkBrand(strict);
    expect(outcomes).toEqual([expect.objectContaining({ mailed: true, condition: expect.objectContaining({ kind: 'webhook_failures', failures: 2 }) })]);
    // The mail states the brand's threshold, not the instance's.
    expect(sent[0]).toMatch(/\b2\b/);
  });
});
