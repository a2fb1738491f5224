// What a benchmark's server runs on: its environment, and throwaway PostgreSQL databases and Redis
// prefixes that are removed afterwards.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The environment of a server under test on `dataDir` (production mode, fresh secrets, the demo seeded, warnings only). */
export function serverEnv(dataDir) {
  const { generateEncryptionKey } = require(join(root, 'dist/libs/core/src/index.js'));
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    APP_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEYS: generateEncryptionKey('bench'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    SEED_DEMO: 'true',
  };
}

/** A new database on the server of `pgUrl`: its URL, and how to drop it (connections closed by force). */
export async function scratchDatabase(pgUrl) {
  const { Client } = require('pg');
  const name = `tero_bench_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A new key prefix on the Redis of `redisUrl`, and how to delete every key under it. */
export function scratchRedisPrefix(redisUrl) {
  const prefix = `tero-bench-${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    // A run leaves hundreds of thousands of keys (a replay claim per hook): the tests' helper unlinks them a page at a time.
    clear: () => require(join(root, 'dist/libs/core/src/testing/services.js')).clearRedisPrefix(redisUrl, prefix),
  };
}
