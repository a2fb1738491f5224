import { MikroORM, type Options } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sql';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeDateTimeProperties } from './datetime-properties';
import { ENTITIES } from './entities';
import { migrationsFor } from './migrations';
import { TeroSqliteDialect } from './sqlite.dialect';
import { TenantWriteGuard, tenantFilter } from './tenant-scope';

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface DatabaseSettings {
  /** PostgreSQL URL; absent = SQLite file `<dataDir>/tero.sqlite`. */
  databaseUrl?: string;
  dataDir: string;
  /** For tests: an explicit SQLite file (or `:memory:`). */
  sqliteFile?: string;
  debug?: boolean;
}

export function databaseKind(settings: DatabaseSettings): DatabaseKind {
  return settings.databaseUrl ? 'postgresql' : 'sqlite';
}

/** The one place the ORM is configured, for the server, the worker, the CLI and the tests. */
export function ormOptions(settings: DatabaseSettings): Options {
  const kind = databaseKind(settings);
  const common = {
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    filters: { tenant: tenantFilter },
    subscribers: [new TenantWriteGuard()],
    // The global EntityManager must never be used: work goes through Database.forTenant/forInstance.
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    migrations: {
      migrationsList: migrationsFor(kind),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      tableName: 'mikro_orm_migrations',
    },
    // `type: 'datetime'` compared as a Date, not deeply: see normalizeDateTimeProperties.
    discovery: { warnWhenNoEntities: true, onMetadata: normalizeDateTimeProperties },
  } satisfies Partial<Options>;

  if (kind === 'postgresql') {
    // Required only here: on SQLite the PostgreSQL driver and pg would be ~1.5 MB of heap for nothing.
    const driver = (require('@mikro-orm/postgresql') as { PostgreSqlDriver: typeof PostgreSqlDriver }).PostgreSqlDriver;
    return { ...common, driver, clientUrl: settings.databaseUrl, pool: { min: 0, max: 10 } } as unknown as Options;
  }
  const file = settings.sqliteFile ?? join(settings.dataDir, 'tero.sqlite');
  if (file !== ':memory:') mkdirSync(settings.dataDir, { recursive: true });
  return {
    ...common,
    driver: SqliteDriver,
    dbName: file,
    driverOptions: new TeroSqliteDialect(file),
  } as unknown as Options;
}

export async function initOrm(settings: DatabaseSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(settings));
}
