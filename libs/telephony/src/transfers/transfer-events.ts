import type { FollowUpKind, TransferReason } from './transfer-state';

/** Bus events of transfers and queues (payloads are JSON). */
export const TRANSFER_EVENTS = {
  /** A transfer nobody took, once per call, when the caller's follow-up is known (or the call ended without one). */
  failed: 'call.transfer_failed',
  /** A caller joined the client's queue (the dashboard shows who waits). */
  queued: 'call.queued',
} as const;

/** `call.transfer_failed`: what the owner is told. */
export interface TransferFailedPayload {
  callSid: string;
  callId: string;
  /** The caller's number as jambonz gave it (E.164 when it is a phone). */
  callerNumber: string;
  callerName: string | null;
  /** The number that was rung. */
  to: string;
  reason: TransferReason;
  /** jambonz's `dial_call_status` (`no-answer`, `busy`, `failed`, `canceled`…). */
  status: string;
  sipStatus: number | null;
  /** Seconds the caller then waited in the queue; null when they were not queued. */
  queueSeconds: number | null;
  followUp: FollowUpKind;
  /** The caller's message (its text), for `message`. */
  message: string | null;
  messageId: string | null;
  urgent: boolean;
  /** The call's locale. */
  locale: string;
  /** When the call started (ISO 8601). */
  startedAt: string;
}
