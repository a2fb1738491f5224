export * from './outbox.email-transport';
