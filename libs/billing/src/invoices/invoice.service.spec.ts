import 'reflect-metadata';
import { InProcessEventBus, type PublishedEvent } from '@tero/core';
import { Invoice } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { BILLING_EVENTS } from '../billing-events';
import { InvoiceService } from './invoice.service';
import { type SeededClient, seedBillingClient, silentLogger, testI18n } from './testing/billing-fixtures';

const plan = (amountMinor: number) => ({ kind: 'plan' as const, description: 'Growth plan (monthly)', quantity: 1, unitMinor: amountMinor, amountMinor });

describe('InvoiceService', () => {
  let t: TestDatabase;
  let i18n: I18nInstance;
  let events: InProcessEventBus;
  let published: PublishedEvent[];
  let invoices: InvoiceService;
  let c: SeededClient;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    i18n = await testI18n();
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    events = new InProcessEventBus(silentLogger);
    published = [];
    events.subscribe('*', (e) => void published.push(e));
    invoices = new InvoiceService(t.db, { clock: () => new Date('2027-01-02T09:00:00Z'), events, i18n });
    c = await seedBillingClient(t.db, { billingSettings: { taxRateBps: 825, taxLabel: 'Sales tax', invoicePrefix: 'BSD' }, locale: 'fr' });
  });
  afterEach(() => events.close());

  const input = (overrides: Record<string, unknown> = {}) => ({
    clientId: c.client.id,
    subscriptionId: c.subscription.id,
    sourceKey: `payment:test:${Math.random()}`,
    lines: [plan(49900)],
    paid: false,
    ...overrides,
  });

  it('numbers the brand’s first invoice 1 with its prefix and year, and adds the brand’s tax to the lines', async () => {
    const { invoice, created } = await invoices.issue(c.ctx, input({ periodStart: new Date('2026-12-15T00:00:00Z'), periodEnd: new Date('2027-01-15T00:00:00Z') }));
    expect(created).toBe(true);
    expect(invoice).toMatchObject({
      sequence: 1,
      number: 'BSD-2027-000001',
      status: 'open',
      currency: 'USD',
      subtotalMinor: 49900,
      taxRateBps: 825,
      taxLabel: 'Sales tax',
      taxMinor: 4117,
      totalMinor: 54017,
      paidAt: null,
      locale: 'fr',
    });
    expect(invoice.lines).toEqual([plan(49900)]);
    expect(invoice.issuedAt.toISOString()).toBe('2027-01-02T09:00:00.000Z');
    expect(invoice.periodEnd?.toISOString()).toBe('2027-01-15T00:00:00.000Z');
    await events.close();
    expect(published.map((e) => [e.type, e.clientId, e.payload])).toEqual([
      [BILLING_EVENTS.invoiceIssued, c.client.id, { invoiceId: invoice.id, number: 'BSD-2027-000001', totalMinor: 54017, currency: 'USD' }],
    ]);
  });

  it('a paid invoice keeps the tax it was given (an amount charged tax included) and its payment details', async () => {
    const paidAt = new Date('2027-01-01T23:59:00Z');
    const { invoice } = await invoices.issue(c.ctx, input({ paid: true, paidAt, taxMinor: 4118, provider: 'payment-stripe', providerPaymentId: 'in_1' }));
    expect(invoice).toMatchObject({ status: 'paid', taxMinor: 4118, totalMinor: 54018, provider: 'payment-stripe', providerPaymentId: 'in_1' });
    expect(invoice.paidAt?.toISOString()).toBe(paidAt.toISOString());
  });

  it('the same source again returns the first invoice, publishes nothing and uses no number', async () => {
    const first = await invoices.issue(c.ctx, input({ sourceKey: 'payment:test:x' }));
    const again = await invoices.issue(c.ctx, input({ sourceKey: 'payment:test:x', lines: [plan(1)] }));
    expect(again).toEqual({ invoice: expect.objectContaining({ id: first.invoice.id, subtotalMinor: 49900 }), created: false });
    const next = await invoices.issue(c.ctx, input());
    expect(next.invoice.sequence).toBe(2);
    await events.close();
    expect(published.filter((e) => e.type === BILLING_EVENTS.invoiceIssued)).toHaveLength(2);
  });

  it.each([
    ['no lines', { lines: [] }, 'lines'],
    ['a negative plan line', { lines: [plan(-100)] }, 'lines[0].amountMinor'],
    ['a fraction of a cent', { lines: [plan(10.5)] }, 'lines[0].amountMinor'],
    ['an absurd amount', { lines: [plan(1e13)] }, 'lines[0].amountMinor'],
    ['a credit bigger than the rest', { lines: [plan(100), { kind: 'credit', description: 'Credit', quantity: 1, unitMinor: -200, amountMinor: -200 }] }, 'lines'],
    ['an unknown kind of line', { lines: [{ ...plan(100), kind: 'gift' }] }, 'lines[0].kind'],
    ['a bad currency', { currency: 'dollars' }, 'currency'],
    ['an empty source', { sourceKey: ' ' }, 'sourceKey'],
    ['a tax that is not the brand’s', { taxMinor: 10 }, 'taxMinor'],
    ['a period ending before it starts', { periodStart: new Date('2027-02-01'), periodEnd: new Date('2027-01-01') }, 'periodEnd'],
  ])('refuses %s (400, naming the field) and changes nothing', async (_name, overrides, field) => {
    await expect(invoices.issue(c.ctx, input(overrides))).rejects.toMatchObject({ code: 'validation.failed', problems: [expect.objectContaining({ field })], options: { status: 400 } });
    expect(await t.db.forTenant(c.ctx).count(Invoice, {})).toBe(0);
  });

  it('refuses a client of another brand, or another client than the context’s', async () => {
    const other = await seedBillingClient(t.db);
    await expect(invoices.issue(c.ctx, input({ clientId: other.client.id }))).rejects.toMatchObject({ code: 'validation.failed', problems: [expect.objectContaining({ field: 'clientId' })] });
    await expect(invoices.issue({ ...c.ctx, clientId: null }, input({ clientId: other.client.id }))).rejects.toMatchObject({ code: 'billing.client_not_found', options: { status: 404 } });
    expect(await t.db.forInstance('test').count(Invoice, { client: other.client.id })).toBe(0);
  });

  it('lists a client’s invoices newest first, finds one by its source, and marks one refunded', async () => {
    const a = await invoices.issue(c.ctx, input({ sourceKey: 'payment:test:a' }));
    const b = await invoices.issue(c.ctx, input({ sourceKey: 'payment:test:b' }));
    expect((await invoices.list(c.ctx, c.client.id)).map((i) => i.number)).toEqual([b.invoice.number, a.invoice.number]);
    expect((await invoices.bySource(c.ctx, 'payment:test:a'))?.id).toBe(a.invoice.id);
    expect(await invoices.bySource(c.ctx, 'payment:test:none')).toBeNull();
    await invoices.setStatus(c.ctx, a.invoice.id, 'refunded');
    expect((await invoices.get(c.ctx, a.invoice.id)).status).toBe('refunded');
    const other = await seedBillingClient(t.db);
    await expect(invoices.get(other.ctx, a.invoice.id)).rejects.toMatchObject({ code: 'billing.invoice_not_found', options: { status: 404 } });
  });

  it('renders the invoice’s PDF in the language it was issued in, named by its number', async () => {
    const { invoice } = await invoices.issue(c.ctx, input({ sourceKey: 'payment:test:pdf' }));
    const pdf = await invoices.pdf(c.ctx, invoice.id);
    expect(pdf.filename).toBe(`${invoice.number}.pdf`);
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.content.includes(Buffer.from('/Lang (fr)'))).toBe(true);
  });
});
