import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { ListenAuth, basicAuthorization } from './listen-auth';

const SECRET = 'an-app-secret-of-at-least-32-characters!';

describe('ListenAuth', () => {
  const auth = new ListenAuth(SECRET);

  it('gives each call its own credentials, which open that call and no other', () => {
    const callSid = randomUUID();
    const credentials = auth.credentialsFor(callSid);
    expect(credentials.username).toBe(callSid);
    expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.verify(basicAuthorization(credentials))).toEqual({ ok: true, callSid });

    const other = auth.credentialsFor(randomUUID());
    expect(other.password).not.toBe(credentials.password);
    expect(auth.verify(basicAuthorization({ username: callSid, password: other.password }))).toEqual({ ok: false, reason: 'mismatch' });
    expect(auth.verify(basicAuthorization({ username: other.username, password: credentials.password }))).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('derives the password as documented: HMAC-SHA256 of the call sid under an HKDF key of APP_SECRET', () => {
    const key = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'tero-voice/recordings/listen-auth/v1', 32));
    expect(auth.credentialsFor('call-1').password).toBe(createHmac('sha256', key).update('call-1').digest('base64url'));
    // Not the secret itself as the HMAC key: another purpose signing call sids with APP_SECRET gives other values.
    expect(auth.credentialsFor('call-1').password).not.toBe(createHmac('sha256', SECRET).update('call-1').digest('base64url'));
  });

  it('refuses credentials made under another APP_SECRET', () => {
    const elsewhere = new ListenAuth('another-app-secret-of-32-characters-or-more');
    expect(auth.verify(basicAuthorization(elsewhere.credentialsFor('call-1')))).toEqual({ ok: false, reason: 'mismatch' });
    expect(() => new ListenAuth('short')).toThrow(/APP_SECRET/);
  });

  it('tells a missing header from a malformed one', () => {
    const good = basicAuthorization(auth.credentialsFor('call-1'));
    expect(auth.verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(auth.verify('')).toEqual({ ok: false, reason: 'missing' });
    for (const header of [
      good.replace('Basic', 'Bearer'),
      'Basic not base64 at all!',
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from(`bad sid with spaces:${auth.credentialsFor('call-1').password}`).toString('base64')}`,
      `Basic ${Buffer.from(`${'x'.repeat(65)}:pw`).toString('base64')}`,
      `Basic ${'A'.repeat(600)}`,
      [good, good],
    ]) {
      expect(auth.verify(header)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(auth.verify(good.replace('Basic', 'basic'))).toEqual({ ok: true, callSid: 'call-1' });
  });

  it('issues no credentials for what is not a call sid', () => {
    expect(() => auth.credentialsFor('a:b')).toThrow(/not a call sid/);
    expect(() => auth.credentialsFor('')).toThrow(/not a call sid/);
  });
});
