import { randomUUID } from 'node:crypto';
import { ValidationError } from '@tero/accounts';
import { isSupportedLocale } from '@tero/core';
import { Brand, Client, type Database, Invoice, type InvoiceLine, type RawStatements, type RawValue } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';
import { BILLING_EVENTS, type BillingEventPublisher } from '../billing-events';
import { brandNotFound, clientNotFound } from '../billing-errors';
import { brandBillingSettings, taxOf } from '../settings/brand-billing-settings';
import { MAX_INVOICE_MINOR, formatInvoiceNumber, invoiceTotals } from './invoice-amounts';
import { invoiceThemeOf, renderInvoicePdf } from './invoice-pdf';

/** What {@link InvoiceService.issue} needs. Line amounts are before tax. */
export interface IssueInvoiceInput {
  clientId: string;
  subscriptionId: string | null;
  /** What the invoice is for, unique per brand (`payment:<provider>:<payment id>`): issuing it again returns the first one. */
  sourceKey: string;
  lines: InvoiceLine[];
  periodStart?: Date | null;
  periodEnd?: Date | null;
  provider?: string | null;
  providerPaymentId?: string | null;
  /** Paid already (a payment's invoice): status `paid`, paid at `paidAt`. Otherwise `open`. */
  paid: boolean;
  paidAt?: Date | null;
  /** ISO 4217; the brand's currency when absent. */
  currency?: string;
  /**
   * The tax, when it is known already: an amount charged tax included splits into net and tax with the
   * rounding cent on the tax (see `splitGross`). Within a cent of the brand's rate on the subtotal.
   */
  taxMinor?: number;
  /** The language it is rendered in; the client's when absent. */
  locale?: string;
}

export interface IssuedInvoice {
  invoice: Invoice;
  /** False when the source was invoiced before: the earlier invoice is returned and no number was used. */
  created: boolean;
}

export interface InvoiceServiceOptions {
  clock?: () => Date;
  /** Translations (the `billing` namespace) for {@link InvoiceService.pdf}. */
  i18n?: I18nInstance;
  /** A theme's colour tokens by theme id (the brand's overrides apply on top); the default theme's when absent. */
  themeTokens?: (themeId: string) => Record<string, string> | undefined;
  /** Where `billing.invoice_issued` is published, after the invoice committed. */
  events?: BillingEventPublisher;
}

const SOURCE_KEY_MAX = 300;
const LINE_KINDS: ReadonlySet<string> = new Set(['plan', 'overage', 'proration', 'credit']);

export class InvoiceNotFoundError extends TeroError {
  constructor(id: string) {
    super('billing.invoice_not_found', `invoice ${id} not found`, { id }, { status: 404 });
  }
}

function invalid(field: string, reason: string): ValidationError {
  return new ValidationError([{ field, reason }]);
}

/**
 * Our invoices, the documents of record. Numbers are gapless per brand: the sequence is drawn from the
 * brand's `invoice_counters` row in the same transaction that inserts the invoice, so concurrent issuers
 * queue on that row (PostgreSQL's row lock, SQLite's single writer) and a failed insert gives its number
 * back with the rollback.
 */
export class InvoiceService {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    private readonly options: InvoiceServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Issues an invoice with the next number of the brand, or returns the one already issued for
   * `sourceKey` (consuming no number). `ctx` is the brand's or the client's own.
   */
  async issue(ctx: TenantContext, input: IssueInvoiceInput): Promise<IssuedInvoice> {
    if (ctx.clientId && ctx.clientId !== input.clientId) throw invalid('clientId', 'another client than the context’s');
    const em = this.db.forTenant(ctx);
    const [brand, client] = await Promise.all([em.findOne(Brand, { id: ctx.brandId }), em.findOne(Client, { id: input.clientId })]);
    if (!brand) throw brandNotFound(ctx.brandId);
    if (!client) throw clientNotFound(input.clientId);
    const settings = brandBillingSettings(brand.billingSettings);
    const currency = (input.currency ?? brand.currency).toUpperCase();
    checkInput(input, currency);
    const totals = invoiceTotals(input.lines, settings.taxRateBps, input.taxMinor);
    if (totals.subtotalMinor < 0) throw invalid('lines', 'the subtotal is negative');
    if (totals.totalMinor > MAX_INVOICE_MINOR) throw invalid('lines', 'the total is beyond any plausible amount');
    if (input.taxMinor !== undefined && (input.taxMinor < 0 || Math.abs(input.taxMinor - taxOf(totals.subtotalMinor, settings.taxRateBps)) > 1)) {
      throw invalid('taxMinor', `${input.taxMinor} is not the brand's tax on ${totals.subtotalMinor}`);
    }
    const now = this.clock();
    const id = randomUUID();
    const row = {
      brand_id: brand.id,
      client_id: client.id,
      subscription_id: input.subscriptionId,
      source_key: input.sourceKey,
      status: input.paid ? 'paid' : 'open',
      currency,
      lines: input.lines.map((l) => ({ kind: l.kind, description: l.description, quantity: l.quantity, unitMinor: l.unitMinor, amountMinor: l.amountMinor })),
      subtotal_minor: totals.subtotalMinor,
      tax_rate_bps: settings.taxRateBps,
      tax_label: settings.taxLabel,
      tax_minor: totals.taxMinor,
      total_minor: totals.totalMinor,
      period_start: input.periodStart ?? null,
      period_end: input.periodEnd ?? null,
      issued_at: now,
      paid_at: input.paid ? (input.paidAt ?? now) : null,
      provider: input.provider ?? null,
      provider_payment_id: input.providerPaymentId ?? null,
      locale: [input.locale, client.locale, brand.defaultLocale].find(isSupportedLocale) ?? 'en',
    };

    const outcome = await this.db.rawTransaction(async (sql) => {
      const existing = await drawSequence(sql, brand.id, input.sourceKey, now);
      if (typeof existing === 'string') return { id: existing, created: false };
      const values = { id, created_at: now, updated_at: now, ...row, sequence: existing.sequence, number: formatInvoiceNumber(settings.invoicePrefix, now.getUTCFullYear(), existing.sequence) };
      const columns = Object.keys(values);
      await sql.run(
        `insert into invoices (${columns.join(', ')}) values (${columns.map((_, i) => sql.param(i + 1)).join(', ')})`,
        Object.values(values) as RawValue[],
      );
      return { id, created: true };
    });

    const invoice = await this.db.forTenant(ctx).findOneOrFail(Invoice, { id: outcome.id });
    if (outcome.created) {
      await this.options.events?.publish({
        type: BILLING_EVENTS.invoiceIssued,
        brandId: brand.id,
        clientId: client.id,
        payload: { invoiceId: invoice.id, number: invoice.number, totalMinor: invoice.totalMinor, currency: invoice.currency },
      });
    }
    return { invoice, created: outcome.created };
  }

  async get(ctx: TenantContext, invoiceId: string): Promise<Invoice> {
    const invoice = await this.db.forTenant(ctx).findOne(Invoice, { id: invoiceId });
    if (!invoice) throw new InvoiceNotFoundError(invoiceId);
    return invoice;
  }

  /** The invoice issued for a source (`payment:<provider>:<payment id>`), if any. */
  async bySource(ctx: TenantContext, sourceKey: string): Promise<Invoice | null> {
    return this.db.forTenant(ctx).findOne(Invoice, { sourceKey });
  }

  /** A client's invoices, newest first. */
  async list(ctx: TenantContext, clientId: string, options: { limit?: number } = {}): Promise<Invoice[]> {
    return this.db.forTenant(ctx).find(Invoice, { client: clientId }, { orderBy: { sequence: 'desc' }, limit: Math.min(options.limit ?? 50, 500) });
  }

  /** What the brand (or client, in a client's context) was paid since `since`: totals of paid invoices per currency. */
  async paidSince(ctx: TenantContext, since: Date): Promise<{ currency: string; totalMinor: number; count: number }[]> {
    const paid = await this.db.forTenant(ctx).find(Invoice, { status: 'paid', paidAt: { $gte: since } }, { fields: ['currency', 'totalMinor'] });
    const byCurrency = new Map<string, { currency: string; totalMinor: number; count: number }>();
    for (const invoice of paid) {
      const sum = byCurrency.get(invoice.currency) ?? { currency: invoice.currency, totalMinor: 0, count: 0 };
      sum.totalMinor += invoice.totalMinor;
      sum.count += 1;
      byCurrency.set(invoice.currency, sum);
    }
    return [...byCurrency.values()];
  }

  /**
   * The invoice as a PDF, in the language it was issued in, with the brand's current legal details and
   * theme colours. `filename` is the invoice number.
   */
  async pdf(ctx: TenantContext, invoiceId: string): Promise<{ filename: string; content: Buffer; invoice: Invoice }> {
    if (!this.options.i18n) throw new Error('InvoiceService needs i18n to render PDFs');
    const em = this.db.forTenant(ctx);
    const invoice = await em.findOne(Invoice, { id: invoiceId });
    if (!invoice) throw new InvoiceNotFoundError(invoiceId);
    const [brand, client] = await Promise.all([em.findOneOrFail(Brand, { id: invoice.brand.id }), em.findOneOrFail(Client, { id: invoice.client.id })]);
    const content = await renderInvoicePdf(invoice, {
      brand,
      client,
      settings: brandBillingSettings(brand.billingSettings),
      i18n: this.options.i18n,
      theme: invoiceThemeOf(brand, this.options.themeTokens?.(brand.themeId)),
    });
    return { filename: `${invoice.number}.pdf`, content, invoice };
  }

  /**
   * Sets an invoice's status after the fact: `refunded` once a refund covers it, `void` for an invoice
   * that should not have been issued. The number stays used: a gapless sequence never gives one back.
   */
  async setStatus(ctx: TenantContext, invoiceId: string, status: 'refunded' | 'void'): Promise<Invoice> {
    const em = this.db.forTenant(ctx);
    const invoice = await em.findOne(Invoice, { id: invoiceId });
    if (!invoice) throw new InvoiceNotFoundError(invoiceId);
    invoice.status = status;
    await em.flush();
    return invoice;
  }
}

/**
 * Inside the invoicing transaction: makes sure the brand's counter row exists, takes it (the row lock on
 * PostgreSQL; SQLite's `begin immediate` already holds the only write lock), and then either finds the
 * invoice already issued for the source (its id; nothing is drawn) or draws the next sequence.
 */
async function drawSequence(sql: RawStatements, brandId: string, sourceKey: string, now: Date): Promise<string | { sequence: number }> {
  const p = (n: number) => sql.param(n);
  await sql.run(
    `insert into invoice_counters (id, created_at, updated_at, brand_id, last_sequence) values (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0) on conflict (brand_id) do nothing`,
    [randomUUID(), now, now, brandId],
  );
  await sql.rows(`select last_sequence from invoice_counters where brand_id = ${p(1)}${sql.kind === 'postgresql' ? ' for update' : ''}`, [brandId]);
  // Read after taking the counter: an issuer of the same source that held it before us has committed by now.
  const existing = await sql.rows(`select id from invoices where brand_id = ${p(1)} and source_key = ${p(2)}`, [brandId, sourceKey]);
  if (existing[0]) return String(existing[0].id);
  const drawn = await sql.rows(
    `update invoice_counters set last_sequence = last_sequence + 1, updated_at = ${p(1)} where brand_id = ${p(2)} returning last_sequence`,
    [now, brandId],
  );
  return { sequence: Number(drawn[0]!.last_sequence) };
}

function checkInput(input: IssueInvoiceInput, currency: string): void {
  if (typeof input.sourceKey !== 'string' || input.sourceKey.trim() === '' || input.sourceKey.length > SOURCE_KEY_MAX) {
    throw invalid('sourceKey', `must be 1 to ${SOURCE_KEY_MAX} characters`);
  }
  if (!/^[A-Z]{3}$/.test(currency)) throw invalid('currency', 'must be an ISO 4217 code');
  if (!Array.isArray(input.lines) || input.lines.length === 0 || input.lines.length > 100) throw invalid('lines', 'must have 1 to 100 lines');
  input.lines.forEach((line, i) => {
    if (!LINE_KINDS.has(line.kind)) throw invalid(`lines[${i}].kind`, `must be one of ${[...LINE_KINDS].join(', ')}`);
    if (typeof line.description !== 'string' || line.description.trim() === '' || line.description.length > 300) throw invalid(`lines[${i}].description`, 'must be 1 to 300 characters');
    if (!Number.isFinite(line.quantity) || line.quantity < 0 || line.quantity > 1_000_000_000) throw invalid(`lines[${i}].quantity`, 'must be a number from 0 to 1,000,000,000');
    for (const field of ['amountMinor', 'unitMinor'] as const) {
      if (!Number.isSafeInteger(line[field]) || Math.abs(line[field]) > MAX_INVOICE_MINOR) throw invalid(`lines[${i}].${field}`, 'must be a whole number of minor units within bounds');
    }
    if (line.kind !== 'credit' && line.kind !== 'proration' && line.amountMinor < 0) throw invalid(`lines[${i}].amountMinor`, `a ${line.kind} line cannot be negative`);
  });
  for (const field of ['periodStart', 'periodEnd', 'paidAt'] as const) {
    const value = input[field];
    if (value !== undefined && value !== null && !(value instanceof Date && !Number.isNaN(value.getTime()))) throw invalid(field, 'must be a date');
  }
  if (input.periodStart && input.periodEnd && input.periodEnd < input.periodStart) throw invalid('periodEnd', 'is before periodStart');
  if (input.taxMinor !== undefined && !Number.isSafeInteger(input.taxMinor)) throw invalid('taxMinor', 'must be a whole number of minor units');
}
