import { ConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { TenantContext } from '@tero/sdk';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type DatabaseKind, type DatabaseSettings, databaseKind, initOrm } from './orm-config';
import { TeroSqliteDialect } from './sqlite.dialect';
import { INSTANCE_SCOPE, TENANT_FILTER, filterParamsOf } from './tenant-scope';

/** A value a raw statement takes; dates, booleans and JSON objects are stored as the ORM stores them on each engine. */
export type RawValue = string | number | boolean | Date | null | readonly unknown[] | Record<string, unknown>;

/** Statements on the raw connection, inside the one transaction of {@link Database.rawTransaction}. */
export interface RawStatements {
  readonly kind: DatabaseKind;
  /** The placeholder of the `n`-th parameter (1-based): `?` on SQLite, `$n` on PostgreSQL. */
  param(n: number): string;
  /** Runs one statement; resolves to the number of rows it changed. */
  run(sql: string, params: readonly RawValue[]): Promise<number>;
  /** Runs one statement that returns rows (a select, or `returning`); resolves to them. */
  rows(sql: string, params: readonly RawValue[]): Promise<Record<string, unknown>[]>;
}

/** Prepared SQLite statements kept per connection; the writer's few shapes fit well within the bound. */
const MAX_PREPARED = 64;

/**
 * The data layer's front door. Every unit of work gets its own EntityManager, and the caller must say
 * whose work it is: `forTenant(ctx)` sees and writes only that tenant's rows; `forInstance(reason)` is
 * the explicit, greppable escape hatch for instance-level work (host resolution, sign-in look-ups,
 * the operator's portal, the CLI).
 */
export class Database {
  /** Prepared statements of {@link rawTransaction}, per SQLite connection. */
  private readonly prepared = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

  private constructor(
    readonly orm: MikroORM,
    readonly kind: DatabaseKind,
  ) {}

  static async open(settings: DatabaseSettings): Promise<Database> {
    return new Database(await initOrm(settings), databaseKind(settings));
  }

  forTenant(ctx: TenantContext): EntityManager {
    const em = this.orm.em.fork({ clear: true });
    em.setFilterParams(TENANT_FILTER, filterParamsOf(ctx));
    return em;
  }

  /** `reason` documents why tenant scoping is off here; it is not used otherwise. */
  forInstance(_reason: string): EntityManager {
    const em = this.orm.em.fork({ clear: true });
    em.setFilterParams(TENANT_FILTER, INSTANCE_SCOPE);
    return em;
  }

  /**
   * Runs `work` in one transaction on the raw connection, without the ORM's unit of work, query builder or
   * tenant guard: for write-behind batches whose rows carry their tenant already (the call record). On
   * SQLite the statements are prepared once and the ORM's connection is held meanwhile (kysely's
   * connection lock), so no ORM transaction interleaves; on PostgreSQL a pooled connection is used.
   * `work` must not use the ORM meanwhile (on SQLite it would wait for itself). The transaction is rolled
   * back when `work` throws, and the error is rethrown as the driver raised it
   * ({@link isConstraintViolation} classifies it).
   */
  async rawTransaction<T>(work: (sql: RawStatements) => Promise<T>): Promise<T> {
    if (this.kind === 'postgresql') return this.pgTransaction(work);
    const dialect = this.orm.config.get('driverOptions') as unknown;
    if (!(dialect instanceof TeroSqliteDialect)) throw new Error('rawTransaction needs the SQLite connection of TeroSqliteDialect');
    const client = (this.orm.em.getConnection() as unknown as AbstractSqlConnection).getClient();
    return client.connection().execute(async () => {
      const sqlite = dialect.database;
      if (!sqlite) throw new Error('the SQLite connection is closed');
      const statements = this.sqliteStatements(sqlite);
      sqlite.exec('begin immediate');
      try {
        const result = await work(statements);
        sqlite.exec('commit');
        return result;
      } catch (error) {
        if (sqlite.isTransaction) sqlite.exec('rollback');
        throw error;
      }
    });
  }

  private sqliteStatements(sqlite: DatabaseSync): RawStatements {
    let cache = this.prepared.get(sqlite);
    if (!cache) this.prepared.set(sqlite, (cache = new Map()));
    const statements = cache;
    const prepared = (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= MAX_PREPARED) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    };
    return {
      kind: 'sqlite',
      param: () => '?',
      run: async (sql, params) => Number(prepared(sql).run(...params.map(sqliteValue)).changes),
      rows: async (sql, params) => prepared(sql).all(...params.map(sqliteValue)) as Record<string, unknown>[],
    };
  }

  private async pgTransaction<T>(work: (sql: RawStatements) => Promise<T>): Promise<T> {
    const pool = await (this.orm.em.getConnection() as unknown as PostgreSqlConnection).getNativeClient();
    const client = await pool.connect();
    const statements: RawStatements = {
      kind: 'postgresql',
      param: (n) => `$${n}`,
      run: async (sql, params) => (await client.query(sql, params.map(pgValue))).rowCount ?? 0,
      rows: async (sql, params) => (await client.query(sql, params.map(pgValue))).rows as Record<string, unknown>[],
    };
    try {
      await client.query('begin');
      const result = await work(statements);
      await client.query('commit');
      client.release();
      return result;
    } catch (error) {
      // A connection that cannot even roll back is dropped from the pool rather than reused.
      const broken = await client.query('rollback').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError as Error,
      );
      client.release(broken);
      throw error;
    }
  }

  /**
   * Whether the database refused a statement for its data (a foreign key, a NOT NULL, a check), as
   * opposed to failing to run it (unreachable, closed). By class name along the prototype chain of
   * MikroORM's converted exception: the driver and the caller may hold different copies of
   * `@mikro-orm/core` (CommonJS and ESM), so `instanceof` cannot be trusted.
   */
  isConstraintViolation(error: unknown): boolean {
    // Not `instanceof Error`: an error raised by node:sqlite may come from another realm (a test's VM context).
    const converted = typeof (error as Error | null)?.message === 'string' ? this.orm.em.getDriver().convertException(error as Error) : error;
    for (let proto = converted ? Object.getPrototypeOf(converted) : null; proto; proto = Object.getPrototypeOf(proto)) {
      if (proto.constructor?.name === ConstraintViolationException.name) return true;
    }
    return false;
  }

  /** Applies pending migrations; returns their names. */
  async migrate(): Promise<string[]> {
    const migrator = this.orm.migrator;
    const pending = await migrator.getPending();
    if (pending.length) await migrator.up();
    return pending.map((m) => m.name);
  }

  async pendingMigrations(): Promise<string[]> {
    return (await this.orm.migrator.getPending()).map((m) => m.name);
  }

  /** SQL that would bring the database to the entities' schema; empty when migrations and entities agree. */
  async schemaDrift(): Promise<string> {
    return (await this.orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
  }

  async ping(): Promise<void> {
    await this.orm.em.fork().getConnection().execute('select 1');
  }

  async close(): Promise<void> {
    await this.orm.close(true);
  }
}

/** SQLite columns hold dates as epoch milliseconds, booleans as 0/1 and JSON as text, as MikroORM writes them. */
function sqliteValue(value: RawValue): SQLInputValue {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** `pg` sends dates and booleans itself; a JSON object goes as its text (an array would become a PostgreSQL array). */
function pgValue(value: RawValue): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
}
