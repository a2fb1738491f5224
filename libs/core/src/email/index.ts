export * from './outbox.email-transport';
export * from './outbox-retention';
