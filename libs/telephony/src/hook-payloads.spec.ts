import { gatherResultSchema, readGatherResult, readStatusHook, statusHookSchema } from './hook-payloads';
import { callInfoPayload, newCallIdentity } from './simulator';

const call = newCallIdentity({ from: '+15550100999', to: '+15550100100', accountSid: 'acc-1' });
const info = () => callInfoPayload(call, { status: 'in-progress', sipStatus: 200, sipReason: 'OK' });
const turnBody = (): Record<string, unknown> => ({
  ...info(),
  reason: 'speechDetected',
  speech: { language_code: 'en-US', channel_tag: 1, is_final: true, alternatives: [{ confidence: 0.92, transcript: 'What are your opening hours?' }] },
  stt_latency_ms: '380,412',
});
const statusBody = (): Record<string, unknown> => ({ ...info(), call_status: 'completed', sip_status: 200, duration: 42 });

/** Values a field is set to: absent, null, every JSON type, and strings around each length limit. */
const VALUES: unknown[] = [
  undefined, null, true, 0, -1, 0.5, 1, 1.5, 42.7, 7 * 24 * 3600 + 1, Number.POSITIVE_INFINITY, Number.NaN, 2 ** 60,
  '', 'x', '412', ...[20, 21, 40, 41, 64, 65, 200, 201].map((n) => 'x'.repeat(n)), [], {}, ['x'],
];
const SPEECHES: unknown[] = [
  undefined, null, 'hello', [], {},
  { alternatives: [] },
  { alternatives: [{ transcript: 'hi' }] },
  { alternatives: [{ transcript: 'hi', confidence: 0 }, { transcript: 'high', confidence: 1 }] },
  { alternatives: [{ confidence: 0.5 }] },
  { alternatives: [{ transcript: 'hi', confidence: 1.5 }] },
  { alternatives: [{ transcript: 'hi', confidence: -0.1 }] },
  { alternatives: [{ transcript: 'x'.repeat(10_001) }] },
  { alternatives: [{ transcript: 7 }] },
  { alternatives: [null] },
  { alternatives: Array.from({ length: 21 }, () => ({ transcript: 'a' })) },
  { alternatives: Array.from({ length: 20 }, () => ({ transcript: 'a' })) },
  { alternatives: [{ transcript: 'hi' }], is_final: 'yes' },
  { alternatives: [{ transcript: 'hi' }], language_code: 'x'.repeat(21) },
  { alternatives: 'hi' },
];

/** Every body with one field changed to each value, and the untouched body. */
function variants(base: () => Record<string, unknown>, fields: string[], extra: Record<string, unknown[]> = {}): Record<string, unknown>[] {
  const out = [base()];
  for (const field of fields) {
    for (const value of extra[field] ?? VALUES) {
      const body = base();
      if (value === undefined) delete body[field];
      else body[field] = value;
      out.push(body);
    }
  }
  return out;
}

const CALL_INFO_FIELDS = ['call_sid', 'account_sid', 'from', 'to', 'direction', 'call_status'];

describe.each([
  { hook: 'turn', read: readGatherResult, schema: gatherResultSchema, base: turnBody, fields: [...CALL_INFO_FIELDS, 'reason', 'digits', 'stt_latency_ms', 'speech', 'stt_talkspurts'] },
  { hook: 'status', read: readStatusHook, schema: statusHookSchema, base: statusBody, fields: [...CALL_INFO_FIELDS, 'sip_status', 'duration'] },
])('the $hook hook\'s reader', ({ read, schema, base, fields }) => {
  it('takes jambonz\'s usual body as it is, without the schema', () => {
    const body = base();
    const result = read(body);
    expect(result.success && result.data).toBe(body);
  });

  it('agrees with the schema on every body, with the same values for every declared field', () => {
    const bodies = variants(base, fields, { speech: SPEECHES });
    let taken = 0;
    for (const body of bodies) {
      const ours = read(body);
      const zod = schema.safeParse(body);
      expect({ body, success: ours.success }).toEqual({ body, success: zod.success });
      if (ours.success && zod.success) {
        expect(ours.data).toMatchObject(zod.data as object);
        if (ours.data === body) taken++;
      }
      if (!ours.success && !zod.success) expect(ours.error.issues[0]?.path).toEqual(zod.error.issues[0]?.path);
    }
    // The check is exercised both ways: many bodies pass by hand, and the rest fall to the schema.
    expect(taken).toBeGreaterThan(bodies.length / 5);
    expect(taken).toBeLessThan(bodies.length);
  });
});
