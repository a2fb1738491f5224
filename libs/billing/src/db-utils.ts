import { LockMode } from '@mikro-orm/core';

/**
 * Whether an error is the database refusing a duplicate key (unique or primary). By class name along the
 * prototype chain, as `Database.isConstraintViolation` does: the driver and the caller may hold different
 * copies of `@mikro-orm/core`, so `instanceof` cannot be trusted.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let proto = error ? Object.getPrototypeOf(error) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'UniqueConstraintViolationException') return true;
  }
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * An id as a uuid column accepts it: PostgreSQL refuses to compare a uuid with text that is not one
 * (an error, not "no row"), so a malformed id is looked up as the nil uuid, which no row has.
 */
export function uuidOrNil(id: string): string {
  return isUuid(id) ? id.toLowerCase() : NIL_UUID;
}

/**
 * Find options that lock the rows found, and only those (PostgreSQL `for update of <alias>`; SQLite runs
 * one writer at a time and ignores it), re-read from the database. The tenant filter joins the brand
 * (and the client) into the query, and a plain `for update` would lock the brand's row too: any insert
 * referencing the brand holds a key-share lock on it, so two webhook transactions deadlocked on it.
 * `alias` is the query's root alias, MikroORM's first letter of the entity and 0: `c0`, `s0`.
 */
export function lockingRoot(alias: string): { lockMode: LockMode.PESSIMISTIC_WRITE; lockTableAliases: string[]; refresh: true } {
  return { lockMode: LockMode.PESSIMISTIC_WRITE, lockTableAliases: [alias], refresh: true };
}
