import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

export const INVOICE_STATUSES = ['open', 'paid', 'void', 'refunded'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** One line of an invoice; amounts before tax, in minor units (a credit is negative). */
export interface InvoiceLine {
  kind: 'plan' | 'overage' | 'proration' | 'credit';
  description: string;
  quantity: number;
  unitMinor: number;
  amountMinor: number;
}

/**
 * Our invoice, the document of record: numbered without gaps per brand (`sequence`, drawn in the same
 * transaction that inserts the invoice), with its lines, tax and total frozen when issued.
 */
@Entity({ tableName: 'invoices' })
@Unique({ properties: ['brand', 'sequence'] })
@Unique({ properties: ['brand', 'sourceKey'] })
@Index({ properties: ['client', 'issuedAt'] })
export class Invoice extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @Property({ type: 'uuid', nullable: true })
  subscriptionId?: string | null;

  /** 1, 2, 3… per brand, with no gap. */
  @Property({ type: 'integer' })
  sequence!: number;

  /** As printed: the brand's prefix and the sequence, `BSD-2026-000042`. */
  @Property({ type: 'string', length: 40 })
  number!: string;

  /** What the invoice is for, unique per brand: `payment:<provider>:<payment id>`. A repeated event cannot invoice twice. */
  @Property({ type: 'string', length: 300 })
  sourceKey!: string;

  @Enum({ items: () => INVOICE_STATUSES, type: 'string', length: 10 })
  status: InvoiceStatus & Opt = 'open';

  @Property({ type: 'string', length: 3 })
  currency!: string;

  @Property({ type: 'json' })
  lines: InvoiceLine[] & Opt = [];

  @Property({ type: 'integer' })
  subtotalMinor!: number;

  /** Basis points: 825 is 8.25 %. */
  @Property({ type: 'integer' })
  taxRateBps: number & Opt = 0;

  @Property({ type: 'string', length: 40, nullable: true })
  taxLabel?: string | null;

  @Property({ type: 'integer' })
  taxMinor: number & Opt = 0;

  @Property({ type: 'integer' })
  totalMinor!: number;

  @Property({ type: 'datetime', nullable: true })
  periodStart?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  periodEnd?: Date | null;

  @Property({ type: 'datetime' })
  issuedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  paidAt?: Date | null;

  @Property({ type: 'string', length: 63, nullable: true })
  provider?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  providerPaymentId?: string | null;

  /** The language it is rendered in: the client's at issue time. */
  @Property({ type: 'string', length: 10 })
  locale: string & Opt = 'en';
}
