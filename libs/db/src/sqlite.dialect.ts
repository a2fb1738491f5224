import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { CompiledQuery, type Driver, SqliteDialect, type SqliteStatement } from 'kysely';

/**
 * Settings every connection to the embedded database gets:
 * - `journal_mode = wal`: readers do not block the writer, and a commit appends to the log instead of
 *   rewriting pages through a rollback journal;
 * - `synchronous = normal`: in WAL mode a commit no longer waits for an fsync (the log is synced at
 *   checkpoints). A crash of the process loses nothing; a power cut may lose the last commits, never the
 *   file's integrity. node:sqlite runs on the event loop, so the fsync per commit stalled every request;
 * - `busy_timeout`: another process (the CLI during a migration or a backup) holding the lock makes a
 *   statement wait up to this long instead of failing with "database is locked" at once;
 * - `wal_autocheckpoint = 4000` pages (16 MB) instead of 1000: a checkpoint copies each page changed since
 *   the last one once, however often it changed, so fewer, larger checkpoints cost less per write (the
 *   call record appends to the same last pages); `journal_size_limit` gives the space back afterwards.
 *   Under call load the call record's write thread checkpoints every second, off the event loop, so the
 *   WAL seldom reaches this on the server's own connection.
 */
export const SQLITE_PRAGMAS = [
  'pragma journal_mode = wal',
  'pragma synchronous = normal',
  'pragma busy_timeout = 5000',
  'pragma wal_autocheckpoint = 4000',
  'pragma journal_size_limit = 33554432',
] as const;

/**
 * The kysely dialect MikroORM runs on for SQLite: `node:sqlite` (no native module), each connection set
 * up with {@link SQLITE_PRAGMAS}. Unlike `@mikro-orm/sql`'s `NodeSqliteDialect` it keeps the connection
 * within reach ({@link database}), so that write-behind batches can run prepared statements on it
 * without the ORM (see `Database.rawTransaction`).
 */
export class TeroSqliteDialect extends SqliteDialect {
  private connection: DatabaseSync | null = null;

  constructor(readonly file: string) {
    super({
      database: async () => {
        const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
        const db = new DatabaseSync(file);
        for (const pragma of SQLITE_PRAGMAS) db.exec(pragma);
        this.connection = db;
        return {
          prepare: (sql: string) => statement(db.prepare(sql), sql),
          close: () => {
            if (this.connection === db) this.connection = null;
            db.close();
          },
        };
      },
    });
  }

  /**
   * The ORM's transactions begin `immediate`: they take the write lock at once, waiting for it up to
   * `busy_timeout`. A deferred one (kysely's `begin`) that read first and then writes fails at once with
   * "database is locked" when another connection (the call record's write thread, the CLI) committed in
   * between, since WAL mode cannot move a read snapshot forward: a wizard step saved as a test call
   * ended saw exactly that. The ORM's connection is one per process, so its transactions were serial anyway.
   */
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }

  /** The open connection; null before MikroORM connected or after it closed. */
  get database(): DatabaseSync | null {
    return this.connection;
  }
}

const READER = /^\s*(select|pragma|explain|with)/i;
const RETURNING = /\breturning\b/i;

/** A node:sqlite statement in the shape kysely's SQLite driver expects (that of better-sqlite3). */
function statement(stmt: StatementSync, sql: string): SqliteStatement {
  const params = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  return {
    reader: READER.test(sql) || RETURNING.test(sql),
    all: (parameters) => stmt.all(...params(parameters)),
    run: (parameters) => stmt.run(...params(parameters)),
    iterate: (parameters) => stmt.iterate(...params(parameters)) as IterableIterator<unknown>,
  };
}
