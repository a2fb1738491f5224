import type { EntityMetadata, Platform } from '@mikro-orm/core';

/**
 * A `discovery.onMetadata` hook: a scalar property declared with a type name that maps to a date and time
 * column (`type: 'datetime'`, `'timestamp'`, …) gets the type `Date`, as MikroORM itself does for
 * `type: DateTimeType` (`t.datetime`). The column it maps to is the same (`Date` maps to `datetime`).
 *
 * Why: MikroORM picks how to tell whether a property changed by its type name. It knows `Date` (compared by
 * `valueOf()`) but not the alias `datetime`, which falls back to a deep `equals`. The snapshot taken on a read
 * holds the `Date` the row was hydrated to, while the current value is turned into what the engine stores: on
 * SQLite epoch milliseconds (`SqlitePlatform.processDateProperty`). A `Date` never deep-equals a number, so
 * every entity read on SQLite looked changed: each flush rewrote `createdAt` and bumped `updatedAt`, and a
 * tenant's flush after reading a shared row tried to update it. PostgreSQL compared two `Date`s and was fine.
 *
 * The change also makes MikroORM check on flush that such a property holds a `Date` (as it does for every
 * `Date` property), where a string would otherwise be written as text into the date column on SQLite.
 */
export function normalizeDateTimeProperties(meta: EntityMetadata, platform: Platform): void {
  for (const prop of Object.values(meta.properties)) {
    if (prop.kind !== 'scalar' || prop.customType || typeof prop.type !== 'string' || prop.type === 'Date') continue;
    // Not `instanceof DateTimeType`: the caller and the driver may hold different copies of @mikro-orm/core.
    if (platform.getMappedType(prop.type).runtimeType === 'Date') prop.type = 'Date';
  }
}
