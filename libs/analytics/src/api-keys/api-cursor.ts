import { badCursor } from './api-keys.errors';

/** Where a page of a list ended: the sort key and id of its last row, and which list gave it out. */
export interface ListPosition {
  list: string;
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An opaque cursor (base64url JSON). Opaque to callers so the sort can change without breaking them. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ l: position.list, t: position.at.toISOString(), i: position.id })).toString('base64url');
}

/** Reads a cursor of `list`; anything else (garbage, another list's, a hand-edited one) is a 400. */
export function decodeCursor(list: string, cursor: string): ListPosition {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { l, t, i } = (parsed ?? {}) as { l?: unknown; t?: unknown; i?: unknown };
  if (l !== list || typeof t !== 'string' || typeof i !== 'string' || !UUID.test(i)) throw badCursor();
  const at = new Date(t);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== t) throw badCursor();
  return { list, at, id: i.toLowerCase() };
}
