import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { Database } from '../database';
import type { DatabaseKind } from '../orm-config';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  db: Database;
  /** Settings a server can be booted with to reach the same database. */
  databaseUrl?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty, migrated database for one test file: a temporary SQLite file, or a new PostgreSQL
 * database (created on the server in TEST_DATABASE_URL, dropped afterwards).
 */
export async function createTestDatabase(kind: DatabaseKind, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tero-test-'));
  if (kind === 'sqlite') {
    const db = await Database.open({ dataDir });
    if (options.migrate !== false) await db.migrate();
    return {
      db,
      dataDir,
      drop: async () => {
        await db.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `tero_test_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const db = await Database.open({ dataDir, databaseUrl });
  if (options.migrate !== false) await db.migrate();
  return {
    db,
    databaseUrl,
    dataDir,
    drop: async () => {
      await db.close();
      const cleanup = new PgClient({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
