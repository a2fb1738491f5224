export * from './mail.service';
export * from './outbox-retention.job';
