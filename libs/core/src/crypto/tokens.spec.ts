import { createHmac } from 'node:crypto';
import { hmacSha256, randomToken, sha256Hex, timingSafeEqualStr } from './tokens';

describe('tokens', () => {
  it('randomToken is base64url of the requested entropy and differs each time', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(randomToken(48)).toHaveLength(64);
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
    expect(() => randomToken(8)).toThrow(RangeError);
  });

  it('sha256Hex matches the known vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'));
  });

  it('hmacSha256 matches RFC 4231 test case 2', () => {
    expect(hmacSha256('Jefe', 'what do ya want for nothing?', 'hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(hmacSha256('k', 'd')).toBe(createHmac('sha256', 'k').update('d').digest('base64url'));
    expect(hmacSha256('k', 'd')).not.toBe(hmacSha256('k2', 'd'));
  });

  it('timingSafeEqualStr compares content and length without throwing', () => {
    expect(timingSafeEqualStr('abc', 'abc')).toBe(true);
    expect(timingSafeEqualStr('abc', 'abd')).toBe(false);
    expect(timingSafeEqualStr('abc', 'abcd')).toBe(false);
    expect(timingSafeEqualStr('', '')).toBe(true);
    expect(timingSafeEqualStr('é', 'e')).toBe(false);
  });
});
