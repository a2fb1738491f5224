export * from './booking-ledger';
export * from './booking.types';
export { agentBookingKey } from './booking-keys';
export { samePhone } from './caller-phone';
export { SLOT_MINUTES, type Schedule, openingIntervals } from './schedule';
