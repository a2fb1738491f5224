import type { EntityManager } from '@mikro-orm/core';
import type { DatabaseKind } from '@tero/db';

/**
 * The few expressions the monitoring queries write differently per engine. SQLite keeps date-times as
 * epoch milliseconds (integers, as MikroORM writes them), PostgreSQL as `timestamptz`; both get their
 * parameters inlined by MikroORM (`?`), a `Date` as the engine stores it.
 */
export class MonitoringSql {
  constructor(readonly kind: DatabaseKind) {}

  /** The start of the `bucketSeconds`-long bucket a date-time column falls in, as epoch seconds (UTC). */
  bucket(column: string, bucketSeconds: number): string {
    const seconds = Math.trunc(bucketSeconds);
    if (this.kind === 'sqlite') return `((${column} / ${seconds * 1000}) * ${seconds})`;
    return `(floor(extract(epoch from ${column}) / ${seconds}) * ${seconds})`;
  }

  /** `in (?, ?, …)` with one placeholder per value; `in (null)` (matches nothing) when empty. */
  inList(values: readonly unknown[]): string {
    return values.length ? `in (${values.map(() => '?').join(', ')})` : 'in (null)';
  }
}

/** Rows of a raw select; PostgreSQL answers counts (bigint) and sums (numeric) as strings, hence {@link num}. */
export async function selectRows(em: EntityManager, sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
  return (await em.getConnection().execute(sql, params as unknown[], 'all')) as Record<string, unknown>[];
}

/** A number from a raw column (string on PostgreSQL for bigint and numeric); 0 for null. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** A nullable number from a raw column. */
export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** A string id from a raw column (uuid on PostgreSQL, text on SQLite). */
export function idOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
