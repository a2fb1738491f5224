import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { Brand, Call, CallTurn, Client, JambonzAlert, JambonzCallRecord } from '@tero/db';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { MonitoringQueries } from './monitoring.queries';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const NOW = new Date('2026-03-09T15:30:00Z');
const at = (iso: string) => new Date(`2026-03-09T${iso}:00Z`);

describe.each(kinds)('MonitoringQueries on %s', (kind) => {
  let t: TestDatabase;
  let queries: MonitoringQueries;
  const ids = { a: '', b: '', client1: '', client2: '', clientB: '' };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const a = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const b = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const client1 = em.create(Client, { brand: a, name: 'Bright Smile', slug: 'bright', professionPack: 'dentist', timezone: 'UTC' });
    const client2 = em.create(Client, { brand: a, name: 'Pipe Pros', slug: 'pipes', professionPack: 'plumber', timezone: 'UTC' });
    const clientB = em.create(Client, { brand: b, name: 'Other Brand Client', slug: 'other', professionPack: 'dentist', timezone: 'UTC' });
    let n = 0;
    const record = (brand: Brand, client: Client | null, trunk: string | null, attemptedAt: Date, sipStatus: number, durationSeconds = 0) =>
      em.create(JambonzCallRecord, {
        brand,
        client,
        callSid: `cdr-${++n}`,
        direction: 'inbound',
        fromNumber: '15557770001',
        toNumber: '15550100100',
        trunk,
        sipStatus,
        answered: sipStatus === 200,
        durationSeconds,
        attemptedAt,
      });
    record(a, client1, 'carrier-a', at('14:10'), 200, 60);
    record(a, client1, 'carrier-a', at('14:20'), 200, 120);
    record(a, client1, 'carrier-a', at('14:40'), 486);
    record(a, client1, 'carrier-a', at('15:05'), 200, 30);
    record(a, client2, 'carrier-b', at('13:30'), 503);
    record(a, client2, 'carrier-b', at('13:45'), 200, 90);
    record(a, null, 'carrier-b', at('10:00'), 404);
    record(a, client1, 'carrier-a', new Date('2026-03-08T10:00:00Z'), 200, 999); // before the 24 h window
    record(b, clientB, 'carrier-a', at('14:00'), 200, 500); // another brand
    const alert = (brand: Brand, alertType: string, occurredAt: Date, client: Client | null = null) =>
      em.create(JambonzAlert, { brand, client, alertType, occurredAt, message: alertType, fingerprint: createHash('sha256').update(`${++n}`).digest('hex') });
    alert(a, 'webhook-failure', at('14:50'), client2);
    alert(a, 'webhook-failure', at('14:55'));
    alert(a, 'webhook-connection-failure', at('15:10'), client2);
    alert(a, 'tts-failure', at('14:00'));
    alert(b, 'webhook-failure', at('14:00'));
    const call = (brand: Brand, client: Client, startedAt: Date, latencies: (number | null)[]) => {
      const c = em.create(Call, { brand, client, callSid: `call-${++n}`, fromNumber: '+15557770001', toNumber: '+15550100100', route: 'open', startedAt });
      latencies.forEach((ms, seq) => em.create(CallTurn, { brand, client, call: c, seq, speaker: ms === null ? 'agent' : 'caller', text: 'x', at: startedAt, sttLatencyMs: ms }));
    };
    call(a, client1, at('14:10'), [null, 300, 100, 500]);
    call(a, client1, at('14:20'), [null, 400, 200]);
    call(a, client2, at('13:45'), [1000, 50, null]);
    call(a, client1, new Date('2026-03-01T10:00:00Z'), [9999]); // long before
    call(b, clientB, at('14:00'), [7777]);
    await em.flush();
    Object.assign(ids, { a: a.id, b: b.id, client1: client1.id, client2: client2.id, clientB: clientB.id });
    queries = new MonitoringQueries(t.db, () => NOW);
  });
  afterAll(() => t?.drop());

  it('aligns the period on whole buckets ending with the current one', () => {
    expect(queries.window('24h')).toMatchObject({ from: new Date('2026-03-08T16:00:00Z'), to: NOW, bucketSeconds: 3600, buckets: 24 });
    expect(queries.window('30d')).toMatchObject({ from: new Date('2026-02-08T00:00:00Z'), bucketSeconds: 86_400, buckets: 30 });
  });

  it('gives a brand its figures per carrier and per client: attempts, answers, ASR, SIP statuses, average duration', async () => {
    const o = await queries.overview({ brandIds: [ids.a] }, '24h');
    expect(o.totals).toMatchObject({ attempts: 7, answered: 4, webhookFailures: 3 });
    expect(o.totals.asr).toBeCloseTo(4 / 7);
    expect(o.carriers).toEqual([
      { brandId: ids.a, carrier: 'carrier-a', attempts: 4, answered: 3, asr: 0.75, averageDurationSeconds: 70, sipStatuses: [{ status: 200, calls: 3 }, { status: 486, calls: 1 }] },
      {
        brandId: ids.a,
        carrier: 'carrier-b',
        attempts: 3,
        answered: 1,
        asr: 1 / 3,
        averageDurationSeconds: 90,
        sipStatuses: [{ status: 200, calls: 1 }, { status: 404, calls: 1 }, { status: 503, calls: 1 }],
      },
    ]);
    const byClient = new Map(o.clients.map((c) => [c.clientId, c]));
    expect(byClient.get(ids.client1)).toMatchObject({ clientName: 'Bright Smile', attempts: 4, answered: 3, asr: 0.75, averageDurationSeconds: 70 });
    expect(byClient.get(ids.client2)).toMatchObject({ clientName: 'Pipe Pros', attempts: 2, answered: 1, asr: 0.5, averageDurationSeconds: 90 });
    expect(byClient.get(null)).toMatchObject({ clientName: null, attempts: 1, answered: 0, asr: 0, averageDurationSeconds: null, sipStatuses: [{ status: 404, calls: 1 }] });
    expect(byClient.has(ids.clientB)).toBe(false);
    // Webhook failures per client: those attributed to a client's call; the rest count in the totals only.
    expect([byClient.get(ids.client1)!.webhookFailures, byClient.get(ids.client2)!.webhookFailures, byClient.get(null)!.webhookFailures]).toEqual([0, 2, 1]);
    expect(o.totals.webhookFailures).toBe(3);
    expect(o.alertTypes).toEqual([
      { alertType: 'webhook-failure', count: 2 },
      { alertType: 'tts-failure', count: 1 },
      { alertType: 'webhook-connection-failure', count: 1 },
    ]);
  });

  it('gives speech-to-text latency p50/p95 per client and overall, from caller turns only (nearest rank)', async () => {
    const o = await queries.overview({ brandIds: [ids.a] }, '24h');
    const byClient = new Map(o.clients.map((c) => [c.clientId, c]));
    expect(byClient.get(ids.client1)!.stt).toEqual({ samples: 5, p50: 300, p95: 500 }); // 100 200 300 400 500
    expect(byClient.get(ids.client2)!.stt).toEqual({ samples: 2, p50: 50, p95: 1000 });
    expect(byClient.get(null)!.stt).toEqual({ samples: 0, p50: null, p95: null });
    expect(o.totals.stt).toEqual({ samples: 7, p50: 300, p95: 1000 });
  });

  it('gives the hourly series of the whole period, empty buckets included', async () => {
    const o = await queries.overview({ brandIds: [ids.a] }, '24h');
    expect(o.series).toHaveLength(24);
    expect(o.series[0]!.at).toBe(Date.parse('2026-03-08T16:00:00Z') / 1000);
    const point = (iso: string) => o.series.find((p) => p.at === Date.parse(`2026-03-09T${iso}:00Z`) / 1000)!;
    expect(point('14:00')).toEqual({ at: point('14:00').at, attempts: 3, answered: 2, asr: 2 / 3, sip: { '2xx': 2, '3xx': 0, '4xx': 1, '5xx': 0, '6xx': 0 }, webhookFailures: 2 });
    expect(point('13:00')).toMatchObject({ attempts: 2, answered: 1, sip: { '2xx': 1, '5xx': 1 }, webhookFailures: 0 });
    expect(point('15:00')).toMatchObject({ attempts: 1, answered: 1, webhookFailures: 1 });
    expect(point('10:00')).toMatchObject({ attempts: 1, answered: 0, asr: 0, sip: { '4xx': 1 } });
    expect(point('12:00')).toMatchObject({ attempts: 0, answered: 0, asr: null, webhookFailures: 0 });
    expect(o.series.reduce((sum, p) => sum + p.attempts, 0)).toBe(7);
  });

  it('gives daily buckets over 30 days', async () => {
    const o = await queries.overview({ brandIds: [ids.a] }, '30d');
    expect(o.series).toHaveLength(30);
    const today = o.series.at(-1)!;
    expect(today.at).toBe(Date.parse('2026-03-09T00:00:00Z') / 1000);
    expect(today).toMatchObject({ attempts: 7, answered: 4 });
    expect(o.series.at(-2)).toMatchObject({ attempts: 1, answered: 1 }); // the 8th
    expect(o.totals.stt.samples).toBe(8); // the call of the 1st counts over 30 days
  });

  it('reads only the brands in scope: the operator’s all-brands view adds them up, carriers kept per brand', async () => {
    const b = await queries.overview({ brandIds: [ids.b] }, '24h');
    expect(b.totals).toMatchObject({ attempts: 1, answered: 1, webhookFailures: 1, stt: { samples: 1, p50: 7777, p95: 7777 } });
    expect(b.clients.map((c) => c.clientId)).toEqual([ids.clientB]);
    const all = await queries.overview({ brandIds: [ids.a, ids.b] }, '24h');
    expect(all.totals).toMatchObject({ attempts: 8, answered: 5, webhookFailures: 4 });
    expect(all.carriers.filter((c) => c.carrier === 'carrier-a').map((c) => [c.brandId, c.attempts]).sort()).toEqual([[ids.a, 4], [ids.b, 1]].sort());
  });
});
