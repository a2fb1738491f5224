import type { Opt } from '@mikro-orm/core';
import { Entity, OneToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';

/**
 * The next invoice sequence of a brand. Invoicing increments it and inserts the invoice in one
 * transaction: the row lock (PostgreSQL) or the single writer (SQLite) serializes concurrent invoicing,
 * and a rollback gives the number back, so numbers have no gaps.
 */
@Entity({ tableName: 'invoice_counters' })
export class InvoiceCounter extends BaseEntity {
  @OneToOne(() => Brand, { deleteRule: 'cascade', owner: true, unique: true })
  brand!: Brand;

  @Property({ type: 'integer' })
  lastSequence: number & Opt = 0;
}
