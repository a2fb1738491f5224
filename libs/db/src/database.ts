import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { TenantContext } from '@tero/sdk';
import { type DatabaseKind, type DatabaseSettings, databaseKind, initOrm } from './orm-config';
import { INSTANCE_SCOPE, TENANT_FILTER, filterParamsOf } from './tenant-scope';

/**
 * The data layer's front door. Every unit of work gets its own EntityManager, and the caller must say
 * whose work it is: `forTenant(ctx)` sees and writes only that tenant's rows; `forInstance(reason)` is
 * the explicit, greppable escape hatch for instance-level work (host resolution, sign-in look-ups,
 * the operator's portal, the CLI).
 */
export class Database {
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
