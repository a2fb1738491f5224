import 'reflect-metadata';
import { Invoice, InvoiceCounter } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { InvoiceService } from './invoice.service';
import { type SeededClient, seedBillingClient } from './testing/billing-fixtures';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

const line = (amountMinor: number) => [{ kind: 'plan' as const, description: 'Growth plan (monthly)', quantity: 1, unitMinor: amountMinor, amountMinor }];

/**
 * Acceptance 3: invoice numbers are gapless per brand under concurrent invoicing. On PostgreSQL the
 * issuers run on separate pooled connections and queue on the brand's counter row; on SQLite they
 * interleave in one process and the single writer serialises them.
 */
describe.each(kinds)('invoice numbering under concurrency on %s', (kind) => {
  let t: TestDatabase;
  let invoices: InvoiceService;

  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: true });
    invoices = new InvoiceService(t.db, { clock: () => new Date('2026-03-05T12:00:00Z') });
  });
  afterAll(() => t.drop());

  const issue = (seeded: SeededClient, sourceKey: string, amount = 49900) =>
    invoices.issue(seeded.ctx, { clientId: seeded.client.id, subscriptionId: seeded.subscription.id, sourceKey, lines: line(amount), paid: true });

  const stored = async (ctx: TenantContext) => {
    const em = t.db.forTenant({ ...ctx, clientId: null });
    const rows = await em.find(Invoice, {}, { orderBy: { sequence: 'asc' } });
    const counter = await em.findOne(InvoiceCounter, { brand: ctx.brandId });
    return { rows, counter: counter?.lastSequence ?? null };
  };

  it('40 invoices of one brand and 15 of another, issued at once, are numbered 1..40 and 1..15 with no gap or duplicate', async () => {
    const a = await seedBillingClient(t.db, { billingSettings: { invoicePrefix: 'ACME' } });
    const a2 = await seedBillingClient(t.db, { brand: a.brand });
    const b = await seedBillingClient(t.db, { billingSettings: { invoicePrefix: 'BSD' } });
    const work = [
      ...Array.from({ length: 40 }, (_, i) => () => issue(i % 2 ? a : a2, `payment:test:a-${i}`, 1000 + i)),
      ...Array.from({ length: 15 }, (_, i) => () => issue(b, `payment:test:b-${i}`)),
    ];
    // Interleave the brands' issuers.
    const shuffled = work.map((run, i) => ({ run, key: (i * 7919) % work.length })).sort((x, y) => x.key - y.key);
    const results = await Promise.all(shuffled.map(({ run }) => run()));
    expect(results.every((r) => r.created)).toBe(true);

    const forA = await stored(a.ctx);
    expect(forA.rows.map((r) => r.sequence)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(forA.rows.map((r) => r.number)).toEqual(Array.from({ length: 40 }, (_, i) => `ACME-2026-${String(i + 1).padStart(6, '0')}`));
    expect(forA.counter).toBe(40);
    const forB = await stored(b.ctx);
    expect(forB.rows.map((r) => r.sequence)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(forB.rows[14]!.number).toBe('BSD-2026-000015');
    expect(forB.counter).toBe(15);
    // Each source got its own invoice with its own amount.
    expect(new Set(forA.rows.map((r) => r.sourceKey)).size).toBe(40);
    expect(forA.rows.find((r) => r.sourceKey === 'payment:test:a-7')!.subtotalMinor).toBe(1007);
  });

  it('the same source issued ten times at once is one invoice and uses one number', async () => {
    const c = await seedBillingClient(t.db);
    await issue(c, 'payment:test:first');
    const results = await Promise.all(Array.from({ length: 10 }, () => issue(c, 'payment:test:repeated')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.invoice.id)).size).toBe(1);
    expect(results[0]!.invoice.sequence).toBe(2);
    await issue(c, 'payment:test:after');
    const { rows, counter } = await stored(c.ctx);
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3]);
    expect(counter).toBe(3);
  });

  it('an insert that fails gives its number back: the next invoice takes it', async () => {
    const c = await seedBillingClient(t.db);
    await issue(c, 'payment:test:one');
    // A row holding sequence 2 that did not come through the counter (say, restored by hand) makes the next insert fail.
    const em = t.db.forInstance('test: a stray invoice row');
    const stray = em.create(Invoice, {
      brand: c.brand.id,
      client: c.client.id,
      sequence: 2,
      number: 'STRAY',
      sourceKey: 'stray',
      currency: 'USD',
      subtotalMinor: 1,
      totalMinor: 1,
    });
    await em.flush();
    await expect(issue(c, 'payment:test:two')).rejects.toThrow();
    expect((await stored(c.ctx)).counter).toBe(1);
    await em.remove(stray).flush();

    const again = await issue(c, 'payment:test:two');
    expect(again.created).toBe(true);
    expect(again.invoice.sequence).toBe(2);
    const { rows, counter } = await stored(c.ctx);
    expect(rows.map((r) => r.sequence)).toEqual([1, 2]);
    expect(counter).toBe(2);
  });
});
