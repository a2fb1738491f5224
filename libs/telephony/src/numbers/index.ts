/** The number pool (import, search, reserve, assign, release, quarantine), its CSV imports and porting requests. */
export * from './document-type';
export * from './e164';
export * from './number-csv';
export * from './number-imports';
export * from './number-pool.service';
export * from './number-search';
export * from './numbers.errors';
export * from './numbers.factory';
export * from './porting.service';
