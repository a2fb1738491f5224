export * from './mail.service';
export * from './outbox-retention.job';
export * from './sequences';
export * from './tracking';
