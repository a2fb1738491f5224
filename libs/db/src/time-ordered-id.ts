import { randomUUID } from 'node:crypto';

/** The time part of the last id made, and its millisecond: ids made within one millisecond share it. */
let lastMs = -1;
let lastPrefix = '';

/**
 * A UUIDv7 (RFC 9562): the creation time in milliseconds, then 74 random bits. For rows written in bulk
 * (a call, its turns and its timeline): ids that grow with time land on the last pages of a B-tree
 * index instead of random ones, so a batch dirties a handful of pages rather than one per row (on SQLite
 * the commit and the checkpoint cost about half as much). It reveals when the row was created, which
 * these rows say anyway, and cannot be guessed any more than a random UUID. Under load many ids are made
 * per millisecond: the time's hex is formatted once per millisecond.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(now));
  if (ms !== lastMs) {
    const time = ms.toString(16).padStart(12, '0').slice(-12);
    lastPrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
    lastMs = ms;
  }
  // A random (v4) UUID supplies the random bits: `xxxxxxxx-xxxx-4xxx-yxxx-…` keeps its variant bits.
  return lastPrefix + randomUUID().slice(15);
}
