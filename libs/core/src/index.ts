export * from './config';
export * from './crypto';
export * from './plugins';
export * from './rate-limit/rate-limiter';
export * from './i18n/i18n';
export * from './views/theme-renderer';
export * from './jobs';
export * from './storage';
