/**
 * A transfer's life on the call's session: from the `dial` to the human, through the queue when the
 * client has one, to the caller's message or call-back request when nobody took the call. Each hook
 * moves it one step; a hook that finds it past its own step was delivered twice, and answers again what
 * it answered the first time, changing nothing.
 *
 * When are "the humans busy"? When the dial to the client's transfer number is not taken (`busy`,
 * `no-answer`, `failed`, `canceled`): the phone rings first, so a free human answers at once, and only a
 * caller nobody took waits in the queue. No rule of ours guesses who is busy. Staff take waiting callers
 * by calling the business's own number from a phone listed in the profile's `staffNumbers` (`dequeue`).
 * Only a caller who asked for a person is queued: an emergency goes straight to the message or call back
 * (the owner is told at once), and a routing forward or the error fallback is not a request to wait.
 */

/** Why the call is put through: the caller asked for a person, an emergency, a routing policy, or the fallback after an error. */
export type TransferReason = 'human' | 'emergency' | 'forward' | 'fallback';

/**
 * - `dialing`: the dial is out; the dial hook will say how it went.
 * - `connected`: a human took the call (directly or from the queue).
 * - `queued`: the caller waits in the client's queue.
 * - `offered`: the caller was asked "a message, or a call back?".
 * - `message`: the caller is leaving a message (the voicemail hook takes it).
 * - `done`: the follow-up is over (message or call back taken, or nothing chosen).
 */
export type TransferStep = 'dialing' | 'connected' | 'queued' | 'offered' | 'message' | 'done';

/** What the owner is told the caller chose after a failed transfer. */
export type FollowUpKind = 'message' | 'callback' | 'none';

export interface CallTransfer {
  /** The number rung (E.164). */
  to: string;
  reason: TransferReason;
  step: TransferStep;
  /** The summary the human hears before bridging (warm transfer), computed when the transfer starts; null: a cold transfer. */
  whisper: string | null;
  /** jambonz's `dial_call_status` and `dial_sip_status`, once the dial hook came. */
  dialStatus: string | null;
  sipStatus: number | null;
  /** The queue the caller was put in, once enqueued. */
  queue: string | null;
  /** `queue_time` (seconds) of the last position announcement. */
  announcedAt: number | null;
  /** jambonz's `queue_result`, once the queue hook came; `max_wait` when we took the caller out. */
  queueResult: string | null;
  /** Seconds the caller waited in the queue (until bridged, taken out or hung up; a bridged caller's talk is not counted). */
  queueSeconds: number | null;
  /** Seconds a bridged caller talked with the staff member who took them from the queue. */
  talkSeconds?: number | null;
  /** The last wait round planned (its `queue_time` and length), which bounds when a bridge came. */
  lastWaitRound?: { queueTime: number; roundSeconds: number } | null;
  /** Times the follow-up question was asked without an answer we understood. */
  asks: number;
  /** Whether the owner was notified (at most once per call). */
  notified: boolean;
}

/** A transfer starting now. */
export function newTransfer(to: string, reason: TransferReason, whisper: string | null = null): CallTransfer {
  return { to, reason, step: 'dialing', whisper, dialStatus: null, sipStatus: null, queue: null, announcedAt: null, queueResult: null, queueSeconds: null, talkSeconds: null, lastWaitRound: null, asks: 0, notified: false };
}

/** Dial results that mean the human took the call. */
const CONNECTED = new Set(['completed', 'answered', 'in-progress']);

export function dialConnected(status: string): boolean {
  return CONNECTED.has(status);
}

/**
 * The client's queue in jambonz (which scopes queue names by account on its side). The whole client id,
 * without its dashes: a shortened time-ordered id would be shared by clients created in the same instant.
 */
export function queueNameOf(clientId: string): string {
  return `tero-${clientId.replace(/-/g, '')}`;
}

/** Digits of a phone number: `+1 (555) 123-4567` → `15551234567`. */
function digitsOf(number: string): string {
  return number.replace(/[^0-9]/g, '');
}

/** Whether `caller` is one of the client's staff phones (compared by digits, so formatting does not matter). */
export function isStaffNumber(staffNumbers: readonly string[] | null | undefined, caller: string): boolean {
  if (!staffNumbers?.length) return false;
  const digits = digitsOf(caller);
  return digits.length >= 6 && staffNumbers.some((number) => digitsOf(number) === digits);
}

/** Whether the caller's number is one a call back can go to (an anonymous or SIP caller's is not). */
export function canCallBack(caller: string): boolean {
  return /^\+?[0-9]{6,15}$/.test(caller);
}

/** The last four digits, as the agent reads them back ("ending in 0101"). */
export function lastFour(number: string): string {
  return digitsOf(number).slice(-4);
}

/**
 * A number as a voice reads it well: digit by digit (a synthesizer reads "555" as a quantity), in groups
 * with a pause between them (`+15557770001` → `1, 5 5 5, 7 7 7, 0 0 0 1`).
 */
export function speakableNumber(number: string): string {
  const digits = digitsOf(number);
  if (digits.length < 7) return spaced(digits);
  const head = digits.slice(0, -7);
  const groups = head.length > 3 ? [head.slice(0, -3), head.slice(-3)] : head ? [head] : [];
  return [...groups, digits.slice(-7, -4), digits.slice(-4)].map(spaced).join(', ');
}

function spaced(digits: string): string {
  return digits.split('').join(' ');
}
