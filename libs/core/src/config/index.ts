export * from './instance-config';
export * from './load-config';
export * from './embedded-secrets';
