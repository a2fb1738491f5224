import { hashSecret, newApiKey, parseApiKey, secretMatches } from './api-key-secret';

describe('API key secrets', () => {
  it('makes keys shaped <prefix>_<secret> that parse back, with a fresh secret each time', () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.key).toMatch(/^tero_live_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(a.key)).toEqual({ prefix: a.prefix, secret: a.secret });
    expect(a.secret).not.toBe(b.secret);
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(32);
  });

  it('parses nothing that is not shaped like a key', () => {
    for (const text of ['', 'tero_live_', 'tero_live_abcdefgh', 'tero_live_ABCDEFGH_' + 'a'.repeat(43), 'tero_live_abcdef12_' + 'a'.repeat(42), 'sk_live_abcdef12_' + 'a'.repeat(43), ' tero_live_abcdef12_' + 'a'.repeat(43)]) {
      expect(parseApiKey(text)).toBeNull();
    }
  });

  it('matches a secret only against its own hash', () => {
    const { secret } = newApiKey();
    const stored = hashSecret(secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(newApiKey().secret, stored)).toBe(false);
    expect(secretMatches(secret, 'abc')).toBe(false);
  });
});
