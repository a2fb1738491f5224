export * from './entities';
export * from './database';
export * from './orm-config';
export * from './tenant-scope';
export { migrationsFor } from './migrations';
export * from './plugin-settings.store';
export * from './time-ordered-id';
