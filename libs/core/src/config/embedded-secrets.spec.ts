import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../crypto/keyring';
import { resolveSecrets, secretsFilePath } from './embedded-secrets';
import { ConfigError, parseInstanceConfig } from './instance-config';

const isPosix = process.platform !== 'win32';

describe('resolveSecrets', () => {
  let root: string;
  let dataDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tero-secrets-'));
    dataDir = join(root, 'nested', 'data');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const dev = (env: Record<string, string> = {}) => parseInstanceConfig({ NODE_ENV: 'development', ...env });
  const keys = (id = 'env') => `${id}:${randomBytes(32).toString('base64')}`;

  function thrownConfigError(fn: () => unknown): ConfigError {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('generates the secrets once into a private file and reuses them on the next start', () => {
    const first = resolveSecrets(dev(), { dataDir });
    expect(first.APP_SECRET.length).toBeGreaterThanOrEqual(32);
    const ring = Keyring.fromConfig(first.ENCRYPTION_KEYS);
    const token = ring.encrypt('sk_live', 'row');

    const file = secretsFilePath(dataDir);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ APP_SECRET: first.APP_SECRET, ENCRYPTION_KEYS: first.ENCRYPTION_KEYS });
    if (isPosix) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    }
    expect(readdirSync(dataDir)).toEqual(['secrets.json']);

    const second = resolveSecrets(dev(), { dataDir });
    expect(second.APP_SECRET).toBe(first.APP_SECRET);
    expect(second.ENCRYPTION_KEYS).toBe(first.ENCRYPTION_KEYS);
    expect(Keyring.fromConfig(second.ENCRYPTION_KEYS).decrypt(token, 'row')).toBe('sk_live');
  });

  it('generates different secrets for different data folders', () => {
    const a = resolveSecrets(dev(), { dataDir: join(root, 'a') });
    const b = resolveSecrets(dev(), { dataDir: join(root, 'b') });
    expect(a.APP_SECRET).not.toBe(b.APP_SECRET);
    expect(a.ENCRYPTION_KEYS).not.toBe(b.ENCRYPTION_KEYS);
  });

  it('keeps secrets from the environment and writes nothing when both are set', () => {
    const env = { APP_SECRET: 'e'.repeat(40), ENCRYPTION_KEYS: keys() };
    const config = resolveSecrets(dev(env), { dataDir });
    expect(config.APP_SECRET).toBe(env.APP_SECRET);
    expect(config.ENCRYPTION_KEYS).toBe(env.ENCRYPTION_KEYS);
    expect(() => statSync(dataDir)).toThrow(/ENOENT/);
  });

  it('lets the environment win key by key over the file', () => {
    const generated = resolveSecrets(dev(), { dataDir });
    const envKeys = keys();
    const config = resolveSecrets(dev({ ENCRYPTION_KEYS: envKeys }), { dataDir });
    expect(config.ENCRYPTION_KEYS).toBe(envKeys);
    expect(config.APP_SECRET).toBe(generated.APP_SECRET);
  });

  it('never generates secrets in production', () => {
    const config = { ...dev(), NODE_ENV: 'production' as const };
    const error = thrownConfigError(() => resolveSecrets(config, { dataDir }));
    expect(error.problems.map((p) => p.key)).toEqual(['APP_SECRET', 'ENCRYPTION_KEYS']);
    expect(() => statSync(dataDir)).toThrow(/ENOENT/);
  });

  it('refuses a bad key given in the environment at boot, naming it', () => {
    const error = thrownConfigError(() =>
      resolveSecrets(dev({ APP_SECRET: 'e'.repeat(40), ENCRYPTION_KEYS: `old:${randomBytes(16).toString('base64')}` }), { dataDir }),
    );
    expect(error.problems).toEqual([{ key: 'ENCRYPTION_KEYS', reason: 'key "old": must decode to 32 bytes, got 16' }]);
  });

  it.each([
    ['not JSON', '{"APP_SECRET": ', /is not valid JSON/],
    ['not an object', '42', /has no APP_SECRET/],
    ['a short APP_SECRET', JSON.stringify({ APP_SECRET: 'short', ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` }), /has no APP_SECRET/],
    ['no ENCRYPTION_KEYS', JSON.stringify({ APP_SECRET: 's'.repeat(40) }), /has no ENCRYPTION_KEYS/],
    ['a bad key', JSON.stringify({ APP_SECRET: 's'.repeat(40), ENCRYPTION_KEYS: 'k1:AAAA' }), /invalid ENCRYPTION_KEYS \(key "k1": must decode to 32 bytes, got 3\)/],
  ])('stops on a secrets file with %s, naming the file and leaving it alone', (_label, content, reason) => {
    mkdirSync(dataDir, { recursive: true });
    const file = secretsFilePath(dataDir);
    writeFileSync(file, content);
    const error = thrownConfigError(() => resolveSecrets(dev(), { dataDir }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].key).toBe(file);
    expect(error.problems[0].reason).toMatch(reason);
    expect(error.message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });
});
