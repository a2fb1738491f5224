import { TeroError } from '@tero/sdk';
import { TrackingTokens } from './tracking-tokens';

const SECRET = 'a-test-app-secret-of-at-least-32-characters';
const scope = { messageId: 'm-1', brandId: 'b-1', clientId: 'c-1' };

describe('TrackingTokens', () => {
  const tokens = new TrackingTokens(SECRET);

  it('reads back what it signed, for each kind', () => {
    expect(tokens.verify(tokens.sign({ kind: 'open', ...scope }), 'open')).toEqual({ kind: 'open', ...scope });
    const click = { kind: 'click' as const, ...scope, url: 'https://example.test/setup?x=1&y=é' };
    expect(tokens.verify(tokens.sign(click), 'click')).toEqual(click);
    const unsubscribe = { kind: 'unsubscribe' as const, ...scope, email: 'ana@example.test', category: 'onboarding' };
    expect(tokens.verify(tokens.sign(unsubscribe), 'unsubscribe')).toEqual(unsubscribe);
  });

  const refused = (raw: string, kind: 'open' | 'click' | 'unsubscribe' = 'click') => {
    let error: unknown;
    try {
      tokens.verify(raw, kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TeroError);
    expect((error as TeroError).code).toBe('email.tracking_invalid');
    expect((error as TeroError).options.status).toBe(404);
  };

  it('refuses a changed payload (another URL), a changed MAC, another secret, another kind and garbage', () => {
    const raw = tokens.sign({ kind: 'click', ...scope, url: 'https://example.test/setup' });
    const [payload, mac] = raw.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'https://evil.example/' })).toString('base64url');
    refused(`${forged}.${mac}`);
    refused(`${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`);
    refused(new TrackingTokens(`${SECRET}-other`).sign({ kind: 'click', ...scope, url: 'https://example.test/setup' }));
    refused(raw, 'open');
    for (const junk of ['', '.', 'abc', `${payload}.`, `.${mac}`, 'x'.repeat(5000)]) refused(junk);
  });

  it('signs only http(s) links of reasonable length, and needs a real secret', () => {
    expect(() => tokens.sign({ kind: 'click', ...scope, url: 'javascript:alert(1)' })).toThrow(TeroError);
    expect(() => tokens.sign({ kind: 'click', ...scope, url: `https://example.test/${'a'.repeat(2100)}` })).toThrow(TeroError);
    expect(() => new TrackingTokens('short')).toThrow(/APP_SECRET/);
  });
});
