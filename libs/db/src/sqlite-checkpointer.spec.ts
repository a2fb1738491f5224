import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointer } from './sqlite-checkpointer';

describe('SqliteCheckpointer', () => {
  let dir: string;
  let db: DatabaseSync;
  let checkpointer: SqliteCheckpointer;
  const failures: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tero-ckpt-'));
    const { DatabaseSync: Sqlite } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
    db = new Sqlite(join(dir, 'x.sqlite'));
    db.exec('pragma journal_mode = wal; pragma synchronous = normal; pragma wal_autocheckpoint = 0; create table t (id integer primary key, v text)');
    checkpointer = SqliteCheckpointer.start(join(dir, 'x.sqlite'), { everyMs: 0, onFailure: (reason) => failures.push(reason) });
  });
  afterAll(async () => {
    await checkpointer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The WAL file's size: it grows while frames are appended, and stays when the WAL starts over in place. */
  const walBytes = () => statSync(join(dir, 'x.sqlite-wal')).size;
  const write = () => {
    db.exec('begin immediate');
    db.prepare('insert into t (v) values (?)').run('x'.repeat(500));
    db.exec('commit');
  };

  it('lets the next write start the WAL over once the worker checkpointed it, with no checkpoint on this connection', async () => {
    for (let i = 0; i < 200; i++) write();
    const grown = walBytes();
    for (let i = 0; i < 20; i++) write();
    expect(walBytes()).toBeGreaterThan(grown);
    const before = walBytes();
    await checkpointer.beforeWrite();
    for (let i = 0; i < 20; i++) write();
    expect(walBytes()).toBe(before);
    expect(failures).toEqual([]);
  });

  it('gives writes waiting for a checkpoint back when stopped', async () => {
    const waiting = checkpointer.beforeWrite();
    await checkpointer.stop();
    await expect(waiting ?? Promise.resolve()).resolves.toBeUndefined();
    expect(checkpointer.beforeWrite()).toBeUndefined();
  });
});
