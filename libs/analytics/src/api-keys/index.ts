export * from './api-keys.errors';
export * from './api-key-secret';
export * from './api-keys.service';
export * from './api-cursor';
export * from './api-query';
export * from './client-api.reads';
