import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createI18n } from '@tero/core';
import { Brand, JambonzAlert, JambonzCallRecord, MonitorNotice, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { MonitorAlerts } from './monitor-alerts';

const ROOT = join(__dirname, '../../../..');
const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const MIN = 60_000;

describe.each(kinds)('MonitorAlerts on %s', (kind) => {
  let t: TestDatabase;
  let alerts: MonitorAlerts;
  let brandId: string;
  let now = Date.parse('2026-03-09T15:00:00Z');
  let sent: { ctx: TenantContext; message: EmailMessage }[] = [];
  let failNotify = false;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'Demo Voice', slug: 'demo', supportEmail: 's@d.test', senderEmail: 'n@d.test' });
    em.create(User, { brand: null, client: null, email: 'ops@tero.test', name: 'Olga', role: 'operator', locale: 'fr' });
    em.create(User, { brand: null, client: null, email: 'night@tero.test', name: 'Nate', role: 'operator' });
    em.create(User, { brand, client: null, email: 'admin@d.test', name: 'Dana', role: 'brand_admin' });
    await em.flush();
    brandId = brand.id;
    alerts = new MonitorAlerts({
      db: t.db,
      i18n: await createI18n(join(ROOT, 'locales')),
      notify: async (ctx, message) => {
        if (failNotify) throw new Error('queue down');
        sent.push({ ctx, message });
      },
      from: 'Tero Voice <no-reply@tero.test>',
      operatorUrl: (id) => `https://tero.test/operator/monitoring?brand=${id}`,
      logger: pino({ level: 'silent' }),
      settings: { asrAlertBelow: 0.5, asrMinAttempts: 4, asrWindowMs: 60 * MIN, webhookFailuresAlertAt: 3, webhookFailureWindowMs: 15 * MIN, cooldownMs: 60 * MIN },
      clock: () => new Date(now),
    });
  });
  afterAll(() => t?.drop());
  beforeEach(() => {
    sent = [];
    failNotify = false;
  });

  async function calls(trunk: string, answered: number, failed: number, minutesAgo = 5) {
    const em = t.db.forTenant({ brandId, clientId: null, locale: 'en' });
    for (let i = 0; i < answered + failed; i++) {
      em.create(JambonzCallRecord, {
        brand: em.getReference(Brand, brandId),
        callSid: `cdr-${++seq}`,
        direction: 'inbound',
        fromNumber: '1',
        toNumber: '2',
        trunk,
        sipStatus: i < answered ? 200 : 503,
        answered: i < answered,
        durationSeconds: 10,
        attemptedAt: new Date(now - minutesAgo * MIN),
      });
    }
    await em.flush();
  }

  async function webhookFailures(count: number, minutesAgo = 1, alertType = 'webhook-failure') {
    const em = t.db.forTenant({ brandId, clientId: null, locale: 'en' });
    for (let i = 0; i < count; i++) {
      em.create(JambonzAlert, { brand: em.getReference(Brand, brandId), fingerprint: createHash('sha256').update(`a${++seq}`).digest('hex'), alertType, message: 'x returned 500', occurredAt: new Date(now - minutesAgo * MIN) });
    }
    await em.flush();
  }

  it('finds nothing while carriers answer and hooks work', async () => {
    await calls('healthy', 8, 2);
    await calls('quiet', 0, 3); // 0 % but under the minimum of attempts
    await webhookFailures(2);
    expect(await alerts.conditions(brandId)).toEqual([]);
    expect(await alerts.checkBrand(brandId)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('mails every operator, in their language, when a carrier’s answer ratio drops', async () => {
    await calls('bad-carrier', 1, 4);
    const outcomes = await alerts.checkBrand(brandId);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ mailed: true, recipients: 2, condition: { kind: 'answer_ratio', subject: 'bad-carrier', attempts: 5, answered: 1, asr: 0.2 } });
    expect(sent.map((s) => s.message.to)).toEqual([['night@tero.test'], ['ops@tero.test']]);
    expect(sent[0]!.ctx.brandId).toBe('__instance__');
    const en = sent[0]!.message;
    expect(en.from).toBe('Tero Voice <no-reply@tero.test>');
    expect(en.subject).toBe('Demo Voice: carrier bad-carrier answers 20% of calls');
    expect(en.text).toContain('answered 1 of 5 calls (20%), below the alert threshold of 50%');
    expect(en.text).toContain(`https://tero.test/operator/monitoring?brand=${brandId}`);
    expect(en.html).toContain(`href="https://tero.test/operator/monitoring?brand=${brandId}"`);
    expect(sent[1]!.message.subject).toContain('l’opérateur bad-carrier');
  });

  it('mails a lasting condition once per cool-down, then again once it is over', async () => {
    now += 10 * MIN;
    await calls('bad-carrier', 0, 2, 1); // still bad
    expect(await alerts.checkBrand(brandId)).toMatchObject([{ mailed: false, condition: { subject: 'bad-carrier' } }]);
    expect(sent).toEqual([]);
    now += 51 * MIN; // 61 minutes after the first mail
    await calls('bad-carrier', 0, 5, 1);
    expect(await alerts.checkBrand(brandId)).toMatchObject([{ mailed: true }]);
    expect(sent).toHaveLength(2);
    const notice = await t.db.forTenant({ brandId, clientId: null, locale: 'en' }).findOneOrFail(MonitorNotice, { kind: 'answer_ratio', subject: 'bad-carrier' });
    expect(notice.count).toBe(2);
    expect(notice.lastSentAt.getTime()).toBe(now);
  });

  it('mails when webhook failures pile up within the window, and counts only webhook failures', async () => {
    now += 2 * 60 * MIN; // the carrier's bad hour is over
    await webhookFailures(2, 20); // outside the 15 minutes
    await webhookFailures(5, 1, 'tts-failure'); // not a webhook
    await webhookFailures(2, 1);
    await webhookFailures(1, 2, 'webhook-connection-failure');
    const outcomes = await alerts.checkBrand(brandId);
    expect(outcomes).toMatchObject([{ mailed: true, condition: { kind: 'webhook_failures', subject: 'account', failures: 3 } }]);
    expect(sent[0]!.message.subject).toBe('Demo Voice: 3 webhook failures in 15 minutes');
  });

  it('mails once when two workers check at the same time', async () => {
    now += 2 * 60 * MIN;
    await webhookFailures(4, 1);
    const [a, b] = await Promise.all([alerts.checkBrand(brandId), alerts.checkBrand(brandId)]);
    expect([a[0]!.mailed, b[0]!.mailed].sort()).toEqual([false, true]);
    expect(sent).toHaveLength(2); // one per operator
  });

  it('gives the cool-down back when the mail could not be queued, so the next check mails', async () => {
    now += 2 * 60 * MIN;
    await calls('flaky-carrier', 0, 6, 1);
    failNotify = true;
    await expect(alerts.checkBrand(brandId)).rejects.toThrow('queue down');
    failNotify = false;
    const outcomes = await alerts.checkBrand(brandId);
    expect(outcomes.find((o) => o.condition.subject === 'flaky-carrier')).toMatchObject({ mailed: true });
  });
});
