import { randomBytes } from 'node:crypto';
import { TeroError } from '@tero/sdk';
import { ConfigError } from '../config/instance-config';
import { Keyring, generateEncryptionKey } from './keyring';

const key = (bytes = 32, encoding: 'base64' | 'base64url' = 'base64') => randomBytes(bytes).toString(encoding);
const k1 = `k1:${key()}`;
const k2 = `k2:${key(32, 'base64url')}`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectTeroError(fn: () => unknown, code: string): TeroError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(TeroError);
  expect((error as TeroError).code).toBe(code);
  return error as TeroError;
}

/** Replaces one character of part `index` of a token by another valid base64url character. */
function tamper(token: string, index: number): string {
  const parts = token.split('.');
  const part = parts[index];
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

describe('Keyring.fromConfig', () => {
  it('accepts base64 and base64url keys, the first one primary', () => {
    const ring = Keyring.fromConfig(`${k2}, ${k1}`);
    expect(ring.primaryKeyId).toBe('k2');
    expect(ring.keyIds).toEqual(['k2', 'k1']);
  });

  it('names each bad key and why, under ENCRYPTION_KEYS, without echoing key material', () => {
    const short = key(16);
    const error = thrown(() => Keyring.fromConfig(`good:${key()},short:${short},good:${key()},bad:!!!,nocolon`));
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.every((p) => p.key === 'ENCRYPTION_KEYS')).toBe(true);
    expect(problems.map((p) => p.reason)).toEqual([
      'key "short": must decode to 32 bytes, got 16',
      'key "good": id is used twice',
      'key "bad": is not base64 or base64url',
      'key #5: id must be 1-64 letters, digits, _ or - followed by ":"',
    ]);
    expect((error as Error).message).not.toContain(short);
  });

  it('refuses an empty list', () => {
    expect(() => Keyring.fromConfig(' , ')).toThrow(ConfigError);
  });

  it('parses what generateEncryptionKey produces', () => {
    const ring = Keyring.fromConfig(generateEncryptionKey('2025-01'));
    expect(ring.decrypt(ring.encrypt('x'))).toBe('x');
    expect(() => generateEncryptionKey('a.b')).toThrow(RangeError);
  });
});

describe('Keyring encrypt/decrypt', () => {
  const ring = Keyring.fromConfig(k1);

  it('round-trips text, including empty and non-ASCII', () => {
    for (const text of ['sk_live_123', '', 'clé — 鍵 🔑', 'x'.repeat(100_000)]) {
      expect(ring.decrypt(ring.encrypt(text))).toBe(text);
    }
  });

  it('produces the compact versioned format with a fresh IV each time', () => {
    const a = ring.encrypt('same');
    const b = ring.encrypt('same');
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(Buffer.from('same').toString('base64url'));
  });

  it('round-trips JSON', () => {
    const value = { apiKey: 'sk_test', scopes: ['a', 'b'], expiresAt: 1_700_000_000 };
    expect(ring.decryptJson(ring.encryptJson(value, 'row'), 'row')).toEqual(value);
    expectTeroError(() => ring.encryptJson(undefined), 'crypto.invalid_input');
  });

  it('fails on any altered part rather than returning garbage', () => {
    const token = ring.encrypt('sk_live_secret', 'brand:a:plugin:stripe');
    for (const index of [2, 3, 4]) {
      expectTeroError(() => ring.decrypt(tamper(token, index), 'brand:a:plugin:stripe'), 'crypto.decrypt_failed');
    }
    // Changing the low bits of the last tag character decodes to the same bytes in lenient base64; must still fail.
    const parts = token.split('.');
    const last = parts[3].at(-1)!;
    parts[3] = parts[3].slice(0, -1) + String.fromCharCode(last.charCodeAt(0) ^ 1);
    expectTeroError(() => ring.decrypt(parts.join('.'), 'brand:a:plugin:stripe'), 'crypto.decrypt_failed');
  });

  it('fails on malformed tokens', () => {
    for (const bad of ['', 'plain text', 'v2.k1.a.b.c', 'v1.k1.AAAA.AAAA.AAAA', `${ring.encrypt('x')}.extra`]) {
      expectTeroError(() => ring.decrypt(bad), 'crypto.decrypt_failed');
    }
  });

  it('binds a ciphertext to its row through AAD: copied to another tenant it does not decrypt', () => {
    const token = ring.encrypt('sk_live_brand_a', 'brand:a:plugin:stripe');
    expect(ring.decrypt(token, 'brand:a:plugin:stripe')).toBe('sk_live_brand_a');
    expectTeroError(() => ring.decrypt(token, 'brand:b:plugin:stripe'), 'crypto.decrypt_failed');
    expectTeroError(() => ring.decrypt(token), 'crypto.decrypt_failed');
    expectTeroError(() => ring.decrypt(ring.encrypt('x'), 'brand:a:plugin:stripe'), 'crypto.decrypt_failed');
  });

  it('cannot be relabelled to another key id holding the same key bytes', () => {
    const bytes = key();
    const twins = Keyring.fromConfig(`a:${bytes},b:${bytes}`);
    const token = twins.encrypt('x');
    expectTeroError(() => twins.decrypt(token.replace(/^v1\.a\./, 'v1.b.')), 'crypto.decrypt_failed');
  });

  it('refuses a token made with a key it does not hold', () => {
    const other = Keyring.fromConfig(`k9:${key()}`);
    const error = expectTeroError(() => ring.decrypt(other.encrypt('x')), 'crypto.unknown_key');
    expect(error.params).toEqual({ keyId: 'k9' });
  });

  it('does not decrypt with a different key of the same id', () => {
    const impostor = Keyring.fromConfig(`k1:${key()}`);
    expectTeroError(() => ring.decrypt(impostor.encrypt('x')), 'crypto.decrypt_failed');
  });
});

describe('Keyring rotation', () => {
  const old = Keyring.fromConfig(k1);
  const rotated = Keyring.fromConfig(`${k2},${k1}`);

  it('keeps decrypting with old keys after a new primary is added', () => {
    const token = old.encrypt('secret', 'row:1');
    expect(rotated.decrypt(token, 'row:1')).toBe('secret');
    expect(rotated.encrypt('new').startsWith('v1.k2.')).toBe(true);
  });

  it('reports and re-encrypts tokens made with a non-primary key', () => {
    const token = old.encrypt('secret', 'row:1');
    expect(rotated.needsRotation(token)).toBe(true);
    const fresh = rotated.rotate(token, 'row:1');
    expect(fresh.startsWith('v1.k2.')).toBe(true);
    expect(rotated.needsRotation(fresh)).toBe(false);
    expect(rotated.decrypt(fresh, 'row:1')).toBe('secret');
    expect(rotated.rotate(fresh, 'row:1')).toBe(fresh);
    // once the old key is removed, only the rotated token still decrypts
    const newOnly = Keyring.fromConfig(k2);
    expect(newOnly.decrypt(fresh, 'row:1')).toBe('secret');
    expectTeroError(() => newOnly.decrypt(token, 'row:1'), 'crypto.unknown_key');
  });

  it('refuses to rotate a token under the wrong AAD or of an unknown key', () => {
    const token = old.encrypt('secret', 'row:1');
    expectTeroError(() => rotated.rotate(token, 'row:2'), 'crypto.decrypt_failed');
    expectTeroError(() => rotated.rotate(rotated.encrypt('x', 'row:1'), 'row:2'), 'crypto.decrypt_failed');
    expectTeroError(() => old.needsRotation(rotated.encrypt('x')), 'crypto.unknown_key');
    expectTeroError(() => old.needsRotation('garbage'), 'crypto.decrypt_failed');
  });
});
