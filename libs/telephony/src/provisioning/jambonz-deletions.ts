import { type Database, JambonzConnection } from '@tero/db';
import type { EntityManager } from '@mikro-orm/core';

/** Tries of a compare-and-set on the connection before giving up (each loses only to another writer). */
const MAX_TRIES = 8;

/**
 * Edits the list of numbers the reconciler still has to delete in jambonz (`numbersToDelete` on the
 * brand's connection) without losing a concurrent edit: the row is written only if its `updatedAt` is
 * still the one read, and read again otherwise. Returns false when the brand has no connection (nothing
 * in jambonz to delete).
 */
export async function editNumbersToDelete(em: EntityManager, brandId: string, edit: (numbers: string[]) => string[]): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const row = await em.findOne(JambonzConnection, { brand: brandId }, { fields: ['id', 'numbersToDelete', 'updatedAt'], refresh: true });
    if (!row) return false;
    const before = row.numbersToDelete ?? [];
    const after = [...new Set(edit([...before]))];
    if (after.length === before.length && after.every((n, i) => n === before[i])) return true;
    // A later time than the one read, even within the same millisecond, so that the next compare sees the change.
    const updatedAt = new Date(Math.max(Date.now(), row.updatedAt.getTime() + 1));
    const moved = await em.nativeUpdate(JambonzConnection, { id: row.id, updatedAt: row.updatedAt }, { numbersToDelete: after.length ? after : null, updatedAt });
    if (moved === 1) return true;
  }
  throw new Error(`could not update the numbers to delete in jambonz for brand ${brandId}: the connection kept changing`);
}

/** Adds a number (E.164) deleted from our pool to those the reconciler deletes in jambonz. */
export function queueJambonzDeletion(db: Database, brandId: string, number: string): Promise<boolean> {
  return editNumbersToDelete(db.forTenant({ brandId, clientId: null, locale: 'en' }), brandId, (numbers) => [...numbers, number]);
}
