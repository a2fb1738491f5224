import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring, generateEncryptionKey } from '../crypto/keyring';
import { randomToken } from '../crypto/tokens';
import { ConfigError, type InstanceConfig, type parseInstanceConfig } from './instance-config';

type ParsedConfig = ReturnType<typeof parseInstanceConfig>;
const SECRET_KEYS = ['APP_SECRET', 'ENCRYPTION_KEYS'] as const;

/** What `<dataDir>/secrets.json` holds. */
export interface EmbeddedSecrets {
  APP_SECRET: string;
  ENCRYPTION_KEYS: string;
  createdAt: string;
}

/** Where the generated secrets of a data folder live. */
export function secretsFilePath(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

/**
 * Makes `APP_SECRET` and `ENCRYPTION_KEYS` present. A value from the environment always wins; a missing
 * one comes from `<dataDir>/secrets.json`, generated on the first start (outside production) and reused
 * afterwards, so that `npm start` works with no configuration and sessions and encrypted credentials
 * survive restarts. Production never gets here with a missing secret (`parseInstanceConfig` refuses), and
 * this refuses too, so a misconfigured production instance can never quietly invent its own keys.
 * `ENCRYPTION_KEYS` is checked key by key, so a bad key stops the boot rather than the first decryption.
 */
export function resolveSecrets(config: ParsedConfig, { dataDir }: { dataDir: string }): InstanceConfig {
  const missing = SECRET_KEYS.filter((key) => !config[key]);
  let resolved = { ...config } as InstanceConfig;
  if (missing.length) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError(missing.map((key) => ({ key, reason: 'is required in production (no generated secrets)' })));
    }
    const file = readOrCreateSecrets(dataDir);
    for (const key of missing) resolved = { ...resolved, [key]: file[key] };
  }
  Keyring.fromConfig(resolved.ENCRYPTION_KEYS);
  return resolved;
}

function readOrCreateSecrets(dataDir: string): EmbeddedSecrets {
  const path = secretsFilePath(dataDir);
  const existing = readSecrets(path);
  if (existing) return existing;

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secrets: EmbeddedSecrets = {
    APP_SECRET: randomToken(48),
    ENCRYPTION_KEYS: generateEncryptionKey('k1'),
    createdAt: new Date().toISOString(),
  };
  // Written whole to a temporary file, then hard-linked into place: the link fails if another process
  // (a worker starting beside the server) got there first, and then we use its secrets, not ours, so the
  // two never encrypt with different keys. Nobody can read a half-written file either.
  const temp = `${path}.${process.pid}.${randomToken(16)}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(secrets, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecrets(path)!;
  } finally {
    unlinkSync(temp);
  }
}

function readSecrets(path: string): EmbeddedSecrets | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw corrupt(path, `cannot be read (${(error as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `is not valid JSON (${(error as Error).message})`);
  }
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof record.APP_SECRET !== 'string' || record.APP_SECRET.length < 32) {
    throw corrupt(path, 'has no APP_SECRET of at least 32 characters');
  }
  if (typeof record.ENCRYPTION_KEYS !== 'string') throw corrupt(path, 'has no ENCRYPTION_KEYS');
  try {
    Keyring.fromConfig(record.ENCRYPTION_KEYS);
  } catch (error) {
    const reasons = error instanceof ConfigError ? error.problems.map((p) => p.reason).join('; ') : String(error);
    throw corrupt(path, `has invalid ENCRYPTION_KEYS (${reasons})`);
  }
  return { APP_SECRET: record.APP_SECRET, ENCRYPTION_KEYS: record.ENCRYPTION_KEYS, createdAt: String(record.createdAt ?? '') };
}

function corrupt(path: string, reason: string): ConfigError {
  return new ConfigError([
    {
      key: path,
      reason:
        `${reason}. Restore it from a backup, or set APP_SECRET and ENCRYPTION_KEYS in the environment. ` +
        'Deleting it generates new secrets, and credentials encrypted with the old keys can no longer be read.',
    },
  ]);
}
