export * from './call-log.errors';
export * from './call-log-cursor';
export * from './call-log-query';
export * from './call-log.service';
