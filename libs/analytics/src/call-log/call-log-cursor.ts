import { createHmac, timingSafeEqual } from 'node:crypto';
import { CALL_LOG_ERRORS, CallLogQueryError } from './call-log.errors';

export type CallLogSort = 'newest' | 'oldest' | 'longest';

/** Where a page ended: the last row's sort key and id, for the client and the order it was read in. */
export interface CursorPosition {
  sort: CallLogSort;
  clientId: string;
  /** `started_at` of the last row, epoch milliseconds. */
  startedAtMs: number;
  /** `duration_seconds` of the last row (-1 for none): the first key of `longest`. */
  durationSeconds: number;
  id: string;
}

/** Longer than any cursor this codec writes: anything beyond is refused before it is decoded. */
const MAX_CURSOR_LENGTH = 300;
const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SORT_CODES: Record<CallLogSort, string> = { newest: 'n', oldest: 'o', longest: 'l' };
const SORT_OF_CODE = new Map(Object.entries(SORT_CODES).map(([sort, code]) => [code, sort as CallLogSort]));

const invalid = (why: string) => new CallLogQueryError(CALL_LOG_ERRORS.invalidCursor, 'cursor', `${why}; start again from the first page`);

/**
 * Cursors of keyset pagination: base64url of the last row's sort key and id, then a MAC (HMAC-SHA256 with a
 * key derived from APP_SECRET, 128 bits). They are opaque to callers and cannot be forged or edited: a
 * changed byte fails the MAC, so a cursor cannot point the query anywhere its pages did not lead. The
 * client's id is inside, so one client's cursor is refused for another's log.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(position: CursorPosition): string {
    const payload = Buffer.from(JSON.stringify([1, SORT_CODES[position.sort], position.clientId, position.startedAtMs, position.durationSeconds, position.id])).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The position a cursor holds; {@link CallLogQueryError} `analytics.invalid_cursor` for anything else. */
  decode(cursor: string): CursorPosition {
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('the cursor is too long');
    const [payload, mac, ...rest] = cursor.split('.');
    if (!payload || !mac || rest.length || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(mac)) throw invalid('the cursor is malformed');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid('the cursor was not issued here or was changed');
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid('the cursor is malformed');
    }
    // A valid MAC means this codec wrote it; the shape is checked anyway, against a key shared with an older format.
    if (!Array.isArray(fields) || fields.length !== 6 || fields[0] !== 1) throw invalid('the cursor is malformed');
    const [, code, clientId, startedAtMs, durationSeconds, id] = fields as unknown[];
    const sort = typeof code === 'string' ? SORT_OF_CODE.get(code) : undefined;
    if (!sort || typeof clientId !== 'string' || !UUID.test(clientId) || !Number.isSafeInteger(startedAtMs) || !Number.isSafeInteger(durationSeconds) || typeof id !== 'string' || !UUID.test(id)) {
      throw invalid('the cursor is malformed');
    }
    return { sort, clientId, startedAtMs: startedAtMs as number, durationSeconds: durationSeconds as number, id };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(`call-log-cursor:${payload}`).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
