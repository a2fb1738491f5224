import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CursorCodec } from './call-log-cursor';
import { CALL_LOG_MAX_RANGE_DAYS, defaultCallLogRange, parseCallLogQuery } from './call-log-query';
import { CALL_LOG_ERRORS, CallLogQueryError } from './call-log.errors';
import { escapeLike, snippetAround } from './call-log.service';

const codec = new CursorCodec(Buffer.alloc(32, 7));
const parse = (input: Record<string, unknown>) => parseCallLogQuery(input, codec);
const CLIENT = '0b0c1d2e-0000-4000-8000-0000000000c1';
const CALL = '0b0c1d2e-0000-4000-8000-0000000000a1';

/** The error a parse throws, for its code and field. */
function refusal(input: Record<string, unknown>): CallLogQueryError {
  try {
    parse(input);
  } catch (error) {
    if (error instanceof CallLogQueryError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('call log query parser', () => {
  it('reads every filter of a query string, with outcomes repeated or comma-separated and separators dropped from the caller', () => {
    expect(
      parse({ from: '2026-03-01', to: '2026-03-31', outcome: ['booked', 'message_taken,transferred'], caller: '+1 (555) 010-2030', minDuration: '10', maxDuration: '600', q: '  broken   tooth ', sort: 'oldest', limit: '50' }),
    ).toEqual({
      range: { from: '2026-03-01', to: '2026-03-31' },
      outcomes: ['booked', 'message_taken', 'transferred'],
      caller: '15550102030',
      minDurationSeconds: 10,
      maxDurationSeconds: 600,
      text: 'broken tooth',
      sort: 'oldest',
      limit: 50,
    });
  });

  it('takes empty fields (a submitted form) as absent', () => {
    expect(parse({ from: '', to: '', outcome: '', caller: ' ', q: '', sort: '', cursor: '', limit: '' })).toEqual({});
  });

  it('refuses an unknown filter by its name instead of ignoring it', () => {
    const error = refusal({ from: '2026-03-01', to: '2026-03-02', status: 'completed' });
    expect(error.code).toBe('analytics.unknown_filter');
    expect(error.params).toMatchObject({ field: 'status', filter: 'status' });
    expect(error.message).toContain('status');
    expect(error.options.status).toBe(400);
  });

  it('refuses a ten-year range, and accepts the longest allowed', () => {
    const error = refusal({ from: '2016-01-01', to: '2025-12-31' });
    expect(error.code).toBe('analytics.range_too_long');
    expect(error.params.maxDays).toBe(CALL_LOG_MAX_RANGE_DAYS);
    expect(parse({ from: '2024-01-01', to: '2024-12-31' }).range).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    expect(refusal({ from: '2024-01-01', to: '2025-01-01' }).code).toBe('analytics.range_too_long');
  });

  it('refuses malformed dates, half a range and a reversed one', () => {
    expect(refusal({ from: '2026-02-30', to: '2026-03-01' }).code).toBe('analytics.invalid_date');
    expect(refusal({ from: '03/01/2026', to: '2026-03-01' }).params.field).toBe('from');
    expect(refusal({ from: '2026-03-01' }).code).toBe('analytics.range_incomplete');
    expect(refusal({ from: '2026-03-02', to: '2026-03-01' }).code).toBe('analytics.range_reversed');
  });

  it('refuses an unknown outcome, a caller with letters, bad durations, a bad sort or limit, and a nested object', () => {
    expect(refusal({ outcome: 'booked,won' }).params).toMatchObject({ field: 'outcome', value: 'won' });
    expect(refusal({ caller: '555-CALL' }).code).toBe('analytics.invalid_caller');
    expect(refusal({ minDuration: '-1' }).code).toBe('analytics.invalid_duration');
    expect(refusal({ maxDuration: '1e3' }).code).toBe('analytics.invalid_duration');
    expect(refusal({ minDuration: '60', maxDuration: '30' }).code).toBe('analytics.duration_reversed');
    expect(refusal({ sort: 'random' }).code).toBe('analytics.invalid_sort');
    expect(refusal({ limit: '0' }).code).toBe('analytics.invalid_limit');
    expect(refusal({ limit: '101' }).code).toBe('analytics.invalid_limit');
    expect(refusal({ q: { $ne: '' } }).code).toBe('analytics.invalid_value');
  });

  it("keeps SQL and regex metacharacters as plain text, and escapes LIKE's wildcards", () => {
    const text = `%_'\\";--.*(`;
    expect(parse({ q: text }).text).toBe(text);
    expect(escapeLike(text)).toBe(`\\%\\_'\\\\";--.*(`);
    expect(refusal({ q: 'a'.repeat(101) }).code).toBe('analytics.invalid_text');
    expect(refusal({ q: 'tab\u0007bell' }).code).toBe('analytics.invalid_text');
  });

  it('passes a cursor it issued for the same sort, and refuses a malformed, tampered or foreign one', () => {
    const cursor = codec.encode({ sort: 'newest', clientId: CLIENT, startedAtMs: 1_773_000_000_000, durationSeconds: 42, id: CALL });
    expect(parse({ cursor }).cursor).toBe(cursor);
    expect(codec.decode(cursor)).toEqual({ sort: 'newest', clientId: CLIENT, startedAtMs: 1_773_000_000_000, durationSeconds: 42, id: CALL });

    expect(refusal({ cursor: 'not-a-cursor' }).code).toBe('analytics.invalid_cursor');
    expect(refusal({ cursor: '%%%.%%%' }).code).toBe('analytics.invalid_cursor');
    expect(refusal({ cursor: 'x'.repeat(400) }).code).toBe('analytics.invalid_cursor');
    // The same position with another id, under the original MAC.
    const [payload, mac] = cursor.split('.') as [string, string];
    const edited = Buffer.from(Buffer.from(payload, 'base64url').toString('utf8').replace(CALL, CALL.replace('a1', 'a2'))).toString('base64url');
    expect(refusal({ cursor: `${edited}.${mac}` }).code).toBe('analytics.invalid_cursor');
    // One flipped character of the MAC.
    expect(refusal({ cursor: `${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}` }).code).toBe('analytics.invalid_cursor');
    // A cursor written with another key (another instance's APP_SECRET).
    const foreign = new CursorCodec(Buffer.alloc(32, 9)).encode({ sort: 'newest', clientId: CLIENT, startedAtMs: 1, durationSeconds: -1, id: CALL });
    expect(refusal({ cursor: foreign }).code).toBe('analytics.invalid_cursor');
    // A cursor of another sort order.
    expect(refusal({ cursor, sort: 'oldest' }).code).toBe('analytics.invalid_cursor');
  });

  it('defaults to the 30 days that end today', () => {
    expect(defaultCallLogRange('2026-03-10')).toEqual({ from: '2026-02-09', to: '2026-03-10' });
  });

  it('cuts a snippet around the first match, case folded', () => {
    const text = `${'a'.repeat(200)} Broken Tooth ${'b'.repeat(200)}`;
    const snippet = snippetAround(text, 'broken tooth');
    expect(snippet).toContain('Broken Tooth');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippetAround('short text', 'text')).toBe('short text');
  });
});

describe('call log error messages', () => {
  it('has a message for every code in en, es and fr, naming the same parameters', () => {
    const messages = (lang: string) => (JSON.parse(readFileSync(join(__dirname, '../../../../locales', lang, 'errors.json'), 'utf8')) as { analytics: Record<string, string> }).analytics;
    const params = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const code of Object.values(CALL_LOG_ERRORS)) {
      const key = code.slice('analytics.'.length);
      const english = messages('en')[key];
      expect(english).toBeTruthy();
      for (const lang of ['es', 'fr']) expect(params(messages(lang)[key] ?? '')).toEqual(params(english!));
    }
  });
});
