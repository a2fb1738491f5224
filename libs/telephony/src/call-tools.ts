import type { BookingLedger } from '@tero/booking';
import type { AgentTools } from '@tero/conversation';
import { type AgentProfile, Brand, CallerMessage, Client, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type CallSession, betterOutcome } from './call-session.store';
import type { ConfirmationRequester } from './confirmations/booking-confirmations';

/** What a call's tools need besides the session. */
export interface CallToolsDeps {
  db: Database;
  ledger: BookingLedger;
  /** The call's tenant: its brand and client, in the call's locale. */
  ctx: TenantContext;
  profile: AgentProfile;
  /** Texts booking confirmations (a job per booking); without it no confirmation is ever sent. */
  confirmations?: ConfirmationRequester;
}

/** The holder a call's slot holds are kept under. */
export function callHolder(callSid: string): string {
  return `call:${callSid}`;
}

/**
 * The tools an engine acts through during one call: the client's booking ledger (holds kept as
 * `call:<sid>`, so a booking is idempotent per call and slot) and its messages, all inside the call's
 * tenant. Each tool records what it achieved on the session as it succeeds (`booked`, `rescheduled`,
 * `cancelled`, `message_taken`), so the call's outcome is what the ledger and the messages hold, never
 * what the engine claims. A confirmation is only queued (see `BookingConfirmations`): `sent` means accepted
 * for sending, never that a text already went out.
 */
export function createCallTools(session: CallSession, deps: CallToolsDeps): AgentTools {
  const { ctx, ledger, db, profile, confirmations } = deps;
  const by = callHolder(session.callSid);
  return {
    checkAvailability: (query) => ledger.availability(ctx, query),
    async holdSlot(query) {
      const result = await ledger.hold(ctx, { ...query, holder: by });
      if (result.ok) session.held = true;
      return result;
    },
    async book(query) {
      const result = await ledger.confirm(ctx, { ...query, by });
      if (result.ok) {
        session.outcome = betterOutcome(session.outcome, 'booked');
        session.bookingId = result.bookingId;
      }
      return result;
    },
    findBookings: (query) => ledger.findByCaller(ctx, query),
    async reschedule(query) {
      const result = await ledger.reschedule(ctx, { ...query, by });
      if (result.ok) {
        session.outcome = betterOutcome(session.outcome, 'rescheduled');
        session.bookingId = result.booking.bookingId;
      }
      return result;
    },
    async cancel(query) {
      const result = await ledger.cancel(ctx, { ...query, by });
      if (result.ok) {
        session.outcome = betterOutcome(session.outcome, 'cancelled');
        session.bookingId = result.booking.bookingId;
      }
      return result;
    },
    async takeMessage(query) {
      const em = db.forTenant(ctx);
      let message = await em.findOne(CallerMessage, { callSid: session.callSid });
      const fields = {
        callerName: query.callerName ?? session.callerName ?? null,
        callbackNumber: query.callbackNumber.slice(0, 20),
        text: query.text,
        urgent: query.urgent ?? false,
      };
      if (message) em.assign(message, fields);
      else {
        message = em.create(CallerMessage, {
          ...fields,
          brand: em.getReference(Brand, session.brandId),
          client: em.getReference(Client, session.clientId),
          callSid: session.callSid,
        });
      }
      await em.flush();
      session.outcome = betterOutcome(session.outcome, 'message_taken');
      session.messageId = message.id;
      return { messageId: message.id };
    },
    transferTarget(reason) {
      const number = reason === 'emergency' ? profile.onCallNumber : profile.transferNumber;
      return number || null;
    },
    async sendConfirmation(query) {
      if (!confirmations) return { sent: false };
      const answer = await confirmations.request({ ctx, session, profile, bookingId: query.bookingId });
      return { sent: answer.sent };
    },
  };
}
