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
  return new CallTools(session, deps);
}

/**
 * A class rather than an object of closures: every turn hands its engine a set, and under load ten
 * closures per turn were a kilobyte of garbage per hook. Its methods are called on it (`tools.book(…)`).
 */
class CallTools implements AgentTools {
  private readonly by: string;

  constructor(
    private readonly session: CallSession,
    private readonly deps: CallToolsDeps,
  ) {
    this.by = callHolder(session.callSid);
  }

  checkAvailability(query: Parameters<AgentTools['checkAvailability']>[0]) {
    return this.deps.ledger.availability(this.deps.ctx, query);
  }

  async holdSlot(query: Parameters<AgentTools['holdSlot']>[0]) {
    const result = await this.deps.ledger.hold(this.deps.ctx, { ...query, holder: this.by });
    if (result.ok) this.session.held = true;
    return result;
  }

  async book(query: Parameters<AgentTools['book']>[0]) {
    const result = await this.deps.ledger.confirm(this.deps.ctx, { ...query, by: this.by });
    if (result.ok) {
      this.session.outcome = betterOutcome(this.session.outcome, 'booked');
      this.session.bookingId = result.bookingId;
    }
    return result;
  }

  findBookings(query: Parameters<AgentTools['findBookings']>[0]) {
    return this.deps.ledger.findByCaller(this.deps.ctx, query);
  }

  async reschedule(query: Parameters<AgentTools['reschedule']>[0]) {
    const result = await this.deps.ledger.reschedule(this.deps.ctx, { ...query, by: this.by });
    if (result.ok) {
      this.session.outcome = betterOutcome(this.session.outcome, 'rescheduled');
      this.session.bookingId = result.booking.bookingId;
    }
    return result;
  }

  async cancel(query: Parameters<AgentTools['cancel']>[0]) {
    const result = await this.deps.ledger.cancel(this.deps.ctx, { ...query, by: this.by });
    if (result.ok) {
      this.session.outcome = betterOutcome(this.session.outcome, 'cancelled');
      this.session.bookingId = result.booking.bookingId;
    }
    return result;
  }

  async takeMessage(query: Parameters<AgentTools['takeMessage']>[0]) {
    const { session } = this;
    const em = this.deps.db.forTenant(this.deps.ctx);
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
  }

  transferTarget(reason: Parameters<AgentTools['transferTarget']>[0]) {
    const number = reason === 'emergency' ? this.deps.profile.onCallNumber : this.deps.profile.transferNumber;
    return number || null;
  }

  async sendConfirmation(query: Parameters<AgentTools['sendConfirmation']>[0]) {
    const { confirmations, ctx, profile } = this.deps;
    if (!confirmations) return { sent: false };
    const answer = await confirmations.request({ ctx, session: this.session, profile, bookingId: query.bookingId });
    return { sent: answer.sent };
  }
}
