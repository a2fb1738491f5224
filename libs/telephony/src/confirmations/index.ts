export * from './booking-confirmations';
export * from './confirmation-text';
