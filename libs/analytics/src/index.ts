/**
 * `@tero/analytics`: what clients see of their calls — the daily rollups and the dashboard's figures, the
 * call log's search, reports and exports, and the client API's keys.
 */
export * from './analytics.types';
export * from './rollups';
export * from './summary';
export * from './api-keys';
export * from './call-log';
export * from './exports';
export * from './reports';
export * from './brand-overview';
