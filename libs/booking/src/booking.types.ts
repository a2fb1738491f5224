import type { BookingChange, BookingStatus } from '@tero/db';

/**
 * What the ledger returns. The conversation engine's tools return the same answers, so its port
 * (libs/conversation/src/engine.port.ts) re-exports these types instead of declaring its own.
 */

/** A start the caller can be offered. `end` is when the service ends (its buffer not included). */
export interface SlotOffer {
  serviceId: string;
  start: Date;
  end: Date;
}

/** A slot kept for a caller while they confirm, or why not. */
export type HoldResult =
  | { ok: true; holdId: string; serviceId: string; start: Date; end: Date; expiresAt: Date }
  | { ok: false; reason: 'taken' | 'closed' | 'unknown_service' | 'in_past' };

/** A confirmed booking, or why the hold could not be confirmed. */
export type BookResult =
  | { ok: true; bookingId: string; serviceId: string; start: Date; end: Date }
  | { ok: false; reason: 'hold_expired' | 'taken' | 'not_found' };

/** A direct booking (dashboard, seeds): a {@link BookResult}, or the slot's own refusal. */
export type DirectBookResult = BookResult | { ok: false; reason: 'closed' | 'unknown_service' | 'in_past' };

/** A booking as a caller hears it. `serviceName` is in the request's locale when the service still exists. */
export interface BookingSummary {
  bookingId: string;
  serviceId: string;
  serviceName: string;
  start: Date;
  end: Date;
  callerName: string | null;
  callerPhone: string | null;
}

/** A reschedule or cancellation, or why not. */
export type ChangeResult = { ok: true; booking: BookingSummary } | { ok: false; reason: 'taken' | 'closed' | 'not_found' | 'in_past' };

/** A booking as the client's calendar shows it: its state, value, resource and every change. */
export interface BookingRecord extends BookingSummary {
  status: BookingStatus;
  /** When a `held` booking stops keeping its slot; in the past means the hold lapsed. */
  holdExpiresAt: Date | null;
  resource: number;
  valueMinor: number;
  currency: string;
  changes: BookingChange[];
}
