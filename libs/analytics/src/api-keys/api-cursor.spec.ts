import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor } from './api-cursor';

describe('list cursors', () => {
  it('round-trips a position of the same list', () => {
    const position = { list: 'calls', at: new Date('2026-11-24T10:00:00.123Z'), id: randomUUID() };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('calls', cursor)).toEqual(position);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['another list\'s', encodeCursor({ list: 'bookings', at: new Date(), id: randomUUID() })],
    ['a bad date', Buffer.from(JSON.stringify({ l: 'calls', t: 'yesterday', i: randomUUID() })).toString('base64url')],
    ['a non-canonical date', Buffer.from(JSON.stringify({ l: 'calls', t: '2026-11-24', i: randomUUID() })).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify({ l: 'calls', t: new Date().toISOString(), i: "x' OR 1=1" })).toString('base64url')],
    ['JSON that is not an object', Buffer.from('null').toString('base64url')],
    ['characters outside base64url', "' OR 1=1--"],
    ['a very long text', 'A'.repeat(500)],
  ])('refuses %s with 400 analytics.api_bad_cursor', (_what, cursor) => {
    expect(() => decodeCursor('calls', cursor)).toThrow(expect.objectContaining({ code: 'analytics.api_bad_cursor', options: { status: 400 } }));
  });
});
