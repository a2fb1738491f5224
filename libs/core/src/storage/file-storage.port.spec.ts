import { TeroError } from '@tero/sdk';
import { tenantNamespace, validateStorageKey, validateStoragePrefix } from './file-storage.port';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TeroError);
    return (error as TeroError).code;
  }
  return 'none';
}

describe('validateStorageKey', () => {
  it('accepts clean relative keys and returns their segments', () => {
    expect(validateStorageKey('logo.png')).toEqual(['logo.png']);
    expect(validateStorageKey('recordings/2025/call 1 — é.wav')).toEqual(['recordings', '2025', 'call 1 — é.wav']);
    expect(validateStorageKey('.well-known/x')).toEqual(['.well-known', 'x']);
    expect(validateStorageKey('a'.repeat(200))).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['parent segment', '../other-brand/secret'],
    ['nested parent segment', 'a/../../b'],
    ['dot segment', 'a/./b'],
    ['bare parent', '..'],
    ['absolute', '/etc/passwd'],
    ['backslash', 'a\\..\\b'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['empty segment', 'a//b'],
    ['trailing slash', 'a/'],
    ['reserved name', 'a/.tero-meta.x.json'],
    ['long segment', 'a'.repeat(201)],
    ['long key', `${'abcdefghi/'.repeat(52)}x`],
  ])('refuses a key with %s', (_label, key) => {
    expect(code(() => validateStorageKey(key))).toBe('storage.invalid_key');
  });

  it('counts the length limit in bytes', () => {
    expect(code(() => validateStorageKey(`${'é'.repeat(99)}/${'é'.repeat(99)}/${'é'.repeat(99)}`))).toBe('storage.invalid_key');
  });
});

describe('validateStoragePrefix', () => {
  it('returns the complete segments of a prefix', () => {
    expect(validateStoragePrefix('')).toEqual([]);
    expect(validateStoragePrefix('rec')).toEqual([]);
    expect(validateStoragePrefix('recordings/')).toEqual(['recordings']);
    expect(validateStoragePrefix('recordings/2025-0')).toEqual(['recordings']);
  });

  it('refuses traversal in a prefix', () => {
    for (const prefix of ['../', '../x', '/etc/', 'a/../', 'a\u0000']) {
      expect(code(() => validateStoragePrefix(prefix))).toBe('storage.invalid_key');
    }
  });
});

describe('tenantNamespace', () => {
  it('names brand and client, or the brand itself', () => {
    expect(tenantNamespace({ brandId: 'b1', clientId: 'c1', locale: 'en' })).toEqual(['b1', 'c1']);
    expect(tenantNamespace({ brandId: 'b1', clientId: null, locale: 'en' })).toEqual(['b1', '_brand']);
  });

  it('refuses ids that could escape or collide', () => {
    for (const [brandId, clientId] of [['..', 'c'], ['b', '..'], ['b/x', 'c'], ['b', '_brand'], ['', 'c'], ['b', '']] as const) {
      expect(code(() => tenantNamespace({ brandId, clientId, locale: 'en' }))).toBe('storage.invalid_tenant');
    }
  });
});
