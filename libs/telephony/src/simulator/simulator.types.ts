/** What the caller does when the call waits for them. */
export type CallerAction =
  /** Says something; `confidence` is the recognizer's, 0–1 (0.92 when omitted). */
  | { speech: string; confidence?: number }
  /** Presses keys. */
  | { dtmf: string }
  /** Says nothing until the gather times out. */
  | { silence: true }
  /** Hangs up. */
  | { hangup: true };

/** What the caller knows when it is their turn. */
export interface ListenContext {
  /** What the agent said since the caller last acted, in order. */
  agentSaid: string[];
  /** `gather`: the agent waits for an answer; `voicemail`: a recording of the caller's message runs. */
  mode: 'gather' | 'voicemail';
  /** What the gather accepts. */
  accepts: ('speech' | 'digits')[];
  /** How many times the caller acted before (0 on the first turn). */
  turn: number;
}

/** Produces the caller's side of the conversation, from a script, a terminal prompt or a test. */
export type CallerInputSource = (context: ListenContext) => Promise<CallerAction>;

/** What a transferred call's far end does. */
export type DialOutcome = 'completed' | 'no-answer' | 'busy' | 'failed';

/** How a wait in a queue ended: jambonz's `queue_result` (`leave` is the application's own `leave` verb). */
export type QueueResult = 'bridged' | 'hangup' | 'leave' | 'error';

/**
 * How a caller's wait in a queue (an `enqueue`) ends, unless the application takes them out first with
 * `leave`. The wait runs on the simulator's clock: no real time passes.
 */
export interface QueueScript {
  /** `bridged`: a staff member takes the caller; `hangup`: the caller gives up; `error`: jambonz fails to bridge them. */
  result: 'bridged' | 'hangup' | 'error';
  /** Seconds after the caller joined the queue. */
  afterSeconds: number;
  /**
   * Callers already waiting ahead when this one joins (default 0): the wait hook's `queue_position`
   * starts there. When the wait ends `bridged`, staff take them one by one, evenly spread, before this
   * caller; otherwise nobody is taken and the position stays.
   */
  ahead?: number;
  /** `bridged`: the staff phone that took the caller, for the transcript. */
  staff?: string;
  /** `bridged`: seconds the caller and the staff member talk before the staff member hangs up (default 60). */
  talkSeconds?: number;
}

/** What a staff phone's `dequeue` finds: jambonz's `dequeue_result`. */
export interface DequeueScript {
  /** `complete`: a caller was waiting, was bridged, and the conversation is over; `timeout`: nobody waited; `hangup`: the bridge failed. */
  result: 'complete' | 'timeout' | 'hangup';
  /** `complete`: the caller taken, for the transcript. */
  caller?: string;
  /** `complete`: seconds the staff member and the caller talk (default 60). */
  talkSeconds?: number;
}

/** Where the simulator finds our application, and as whom it calls. */
export interface JambonzSimulatorOptions {
  /** Origin of the application: `http://localhost:3000`. Relative hook URLs resolve against it. */
  baseUrl: string;
  /** The application's call hook (default `/hooks/jambonz/call`). */
  callHook?: string;
  /** The application's call status hook (default `/hooks/jambonz/status`). */
  statusHook?: string;
  /** The jambonz account's webhook secret; `null` sends unsigned requests, as an account without one does. */
  secret: string | null;
  accountSid: string;
  applicationSid?: string;
  /** The call's clock in ms, for `duration` (default `Date.now`). Signatures always use the real time, as jambonz does. */
  clock?: () => number;
  /** What the far end of a `dial` does (default: answers, talks, hangs up: `completed`). */
  dial?: (target: { type: string; number?: string; sipUri?: string; name?: string }) => DialOutcome;
  /**
   * How a wait in the queue `name` ends (default: nobody takes the caller, who hangs up after ten
   * minutes — so an application's own maximum wait, ending in `leave`, comes first).
   */
  queue?: QueueScript | ((name: string) => QueueScript);
  /**
   * What a staff phone's `dequeue` from the queue `name` finds (default: nobody waits — the simulator
   * places one call at a time — so the dequeue times out).
   */
  dequeue?: DequeueScript | ((name: string) => DequeueScript);
  /** Give up after this many hooks in one call (default 200): a loop in the application. */
  maxHooks?: number;
  /** Per-request time limit in ms (default 10 000, jambonz's). */
  timeoutMs?: number;
  /**
   * How a hook request travels (default: the global `fetch`, over the network). The server's "talk to
   * your agent" passes one that hands the request to its own HTTP stack in-process, so its hooks run as
   * for jambonz without the server having to reach its own public address.
   */
  fetch?: typeof fetch;
}

/** One call to place. */
export interface SimulatedCallRequest {
  /** Caller id, E.164. */
  from: string;
  /** The dialled number, E.164. */
  to: string;
  callerName?: string;
  /** Speech language of the call: `en-US`, `es-ES`, `fr-FR` (default `en-US`). */
  language?: string;
  envVars?: Record<string, string>;
  input: CallerInputSource;
}

/** A line of the conversation. */
export interface TranscriptEntry {
  /** `system`: what the platform did (a transfer, a recording, a hang-up), not words anyone said. */
  speaker: 'agent' | 'caller' | 'system';
  text: string;
  /** The verb that produced it, or the caller's kind of input (`speech`, `dtmf`, `silence`). */
  kind: string;
  /** Milliseconds since the call began, on the simulator's clock. */
  atMs: number;
}

/** One request the simulator made and what came back. */
export interface HookExchange {
  /** `wait`: an `enqueue`'s waitHook; `confirm`: a `dial`'s confirmHook, on the answering human's leg. */
  hook: 'call' | 'action' | 'status' | 'wait' | 'confirm';
  url: string;
  payload: Record<string, unknown>;
  status: number;
  /** The verbs the application answered with, when it answered any. */
  verbs: Record<string, unknown>[] | null;
  elapsedMs: number;
}

/** How the call ended, for tests and the CLI to check without reading the transcript. */
export interface CallOutcomeHints {
  endedBy:
    | 'agent' /* a hangup verb */
    | 'caller' /* the caller hung up */
    | 'application' /* the verbs ran out */
    | 'transfer' /* a dial connected (or a queue bridged) and the application had nothing more to do */
    | 'declined' /* sip:decline */
    | 'rejected' /* the first hook failed: real jambonz answers 480 */;
  /** Each dial target rung, and how it answered; `whisper`: what its confirmHook said to the human before the bridge. */
  transfers: { to: string; status: DialOutcome; whisper?: string }[];
  /** Each wait in a queue: its name, how it ended, and the seconds the caller waited (before any bridge). */
  queues: { name: string; result: QueueResult; waitedSeconds: number }[];
  /** Each staff phone's `dequeue`: the queue and jambonz's `dequeue_result`. */
  dequeues: { name: string; result: DequeueScript['result'] }[];
  /** The message the caller left when a recording verb ran. */
  voicemail: string | null;
  /** Whether `config.record` started a call recording, and how many agent lines were spoken before it. */
  recording: { started: boolean; agentLinesBefore: number };
  durationSeconds: number;
  callerTurns: number;
  /** The last SIP status a `sip:decline` sent, when one did. */
  declinedWith?: number;
}

/** A finished simulated call. */
export interface SimulatedCall {
  callSid: string;
  transcript: TranscriptEntry[];
  exchanges: HookExchange[];
  outcome: CallOutcomeHints;
}
