import { createHmac } from 'node:crypto';
import { MemoryReplayGuard } from './replay-guard';
import { computeSignature, parseSignatureHeader, sign, verify } from './jambonz-signature';

const SECRET = 'wh_secret_current_0123456789';
const OLD = 'wh_secret_previous_0123456789';
const BODY = Buffer.from(JSON.stringify({ call_sid: 'c1', account_sid: 'a1', from: '+15550001111', to: '+15550002222' }));
const T = 1_760_000_000;
const NOW = T * 1000;

/** The protocol's definition, written out independently of the module under test. */
const reference = (secret: string, body: Buffer, t: number) => createHmac('sha256', secret).update(`${t}.${body.toString('utf8')}`).digest('hex');

describe('jambonz signature', () => {
  it('signs as jambonz does: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>")', () => {
    expect(sign(SECRET, BODY, T)).toBe(`t=${T},v1=${reference(SECRET, BODY, T)}`);
    expect(computeSignature(SECRET, BODY.toString('utf8'), T)).toBe(reference(SECRET, BODY, T));
  });

  it('accepts a valid signature within the tolerance, on either side of now', () => {
    for (const drift of [-299, 0, 299]) {
      const check = verify(sign(SECRET, BODY, T + drift), BODY, [SECRET], { now: NOW });
      expect(check).toMatchObject({ ok: true, timestamp: T + drift, secretIndex: 0 });
    }
  });

  it('refuses a wrong secret, a changed body, a missing and a malformed header', () => {
    expect(verify(sign('wh_secret_someone_else_012345', BODY, T), BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'mismatch' });
    const tampered = Buffer.from(BODY.toString('utf8').replace('c1', 'c2'));
    expect(verify(sign(SECRET, BODY, T), tampered, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify(undefined, BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'missing' });
    expect(verify('', BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'missing' });
    expect(verify('v1=abc', BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify(`t=${T},v1=not-hex`, BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify(['a', 'b'], BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an expired signature and one from too far in the future, even when it matches', () => {
    expect(verify(sign(SECRET, BODY, T - 301), BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'expired' });
    expect(verify(sign(SECRET, BODY, T + 301), BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'expired' });
    expect(verify(sign(SECRET, BODY, T - 50), BODY, [SECRET], { now: NOW, toleranceSeconds: 30 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts either secret during a rotation and says which one matched', () => {
    expect(verify(sign(OLD, BODY, T), BODY, [SECRET, OLD], { now: NOW })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verify(sign(SECRET, BODY, T), BODY, [SECRET, OLD], { now: NOW })).toMatchObject({ ok: true, secretIndex: 0 });
    // Once the old secret is retired, its signatures stop verifying.
    expect(verify(sign(OLD, BODY, T), BODY, [SECRET], { now: NOW })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a header with several v1 values when any one matches, and reports that one', () => {
    const good = reference(SECRET, BODY, T);
    const header = `t=${T},v1=${'0'.repeat(64)},v0=ignored,v1=${good}`;
    expect(verify(header, BODY, [SECRET], { now: NOW })).toEqual({ ok: true, timestamp: T, signature: good, replayKey: Buffer.from(good, 'hex').subarray(0, 16).toString('base64url'), secretIndex: 0 });
    expect(parseSignatureHeader(header)).toEqual({ timestamp: T, signatures: ['0'.repeat(64), good] });
  });

  it('refuses when no secret is known', () => {
    expect(verify(sign(SECRET, BODY, T), BODY, [], { now: NOW })).toEqual({ ok: false, reason: 'no_secret' });
  });

  it('lets a replay guard refuse a signature already accepted within its lifetime', async () => {
    let clock = NOW;
    const guard = new MemoryReplayGuard(() => clock);
    const check = verify(sign(SECRET, BODY, T), BODY, [SECRET], { now: clock });
    if (!check.ok) throw new Error('expected a valid signature');
    expect(await guard.claim(`sig:${check.signature}`, 300)).toBe(true);
    expect(await guard.claim(`sig:${check.signature}`, 300)).toBe(false);
    clock += 301_000;
    expect(await guard.claim(`sig:${check.signature}`, 300)).toBe(true);
  });
});
